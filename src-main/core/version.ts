/** Pretext's version, injected from package.json at build time (and read directly under vitest). */
declare const __PRETEXT_VERSION__: string | undefined;
export const VERSION: string = typeof __PRETEXT_VERSION__ === 'string' ? __PRETEXT_VERSION__ : '0.0.0-dev';
