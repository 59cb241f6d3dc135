import { hashOf, sectionFromHash, type Section } from '../lib/navigation';

/** The parts of `window` navigation uses, so tests can pass a stand-in. */
export interface HashHost {
  location: { hash: string };
  addEventListener(type: 'hashchange', listener: () => void): void;
  removeEventListener(type: 'hashchange', listener: () => void): void;
}

/**
 * Which section the top bar's tabs show. The section lives in the URL's hash (#datasets, #train,
 * #explore), so the back button and a reload keep it; no router is needed for three screens.
 */
export class Navigation {
  section = $state<Section>('datasets');
  readonly #host: HashHost;

  constructor(host: HashHost) {
    this.#host = host;
    this.section = sectionFromHash(host.location.hash);
  }

  /** Follows hash changes (links, back and forward); returns the cleanup. */
  start(): () => void {
    const onChange = (): void => {
      this.section = sectionFromHash(this.#host.location.hash);
    };
    this.#host.addEventListener('hashchange', onChange);
    return () => this.#host.removeEventListener('hashchange', onChange);
  }

  go(section: Section): void {
    this.section = section;
    if (sectionFromHash(this.#host.location.hash) !== section || this.#host.location.hash === '') {
      this.#host.location.hash = hashOf(section);
    }
  }
}
