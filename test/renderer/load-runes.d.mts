/** See load-runes.mjs. */
export function loadSvelteModule<T>(source: URL | string): Promise<T>;
