/** The app's top-level sections and their place in the URL's hash. Pure, tested in test/renderer. */

export type Section = 'datasets' | 'train' | 'explore';
export const SECTIONS: readonly Section[] = ['datasets', 'train', 'explore'];

/** "#train" → "train"; anything unknown (or no hash) is the datasets screen. */
export function sectionFromHash(hash: string): Section {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0]?.toLowerCase() ?? '';
  return (SECTIONS as readonly string[]).includes(name) ? (name as Section) : 'datasets';
}

export function hashOf(section: Section): string {
  return `#${section}`;
}
