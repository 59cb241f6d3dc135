/** What the core's data-route parser makes of a URL the renderer built (null when it is not a data route). */
export function coreRouteOf(url: string): Record<string, unknown> | null;
