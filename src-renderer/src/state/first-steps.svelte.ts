/** Where the "Hide" of the three first steps is remembered; `localStorage` in the app. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const FIRST_STEPS_HIDDEN_KEY = 'pretext.firstSteps.hidden';

/**
 * Whether the three first steps (add a folder → train → explore) are shown. They stay until every
 * step is done or the user hides them; hiding is remembered where the store allows (a browser may
 * refuse storage: then it lasts until the page is reloaded).
 */
export class FirstStepsPanel {
  hidden = $state(false);
  readonly #store: KeyValueStore | null;

  constructor(store: KeyValueStore | null) {
    this.#store = store;
    try {
      this.hidden = store?.getItem(FIRST_STEPS_HIDDEN_KEY) === '1';
    } catch {
      this.hidden = false;
    }
  }

  hide(): void {
    this.hidden = true;
    try {
      this.#store?.setItem(FIRST_STEPS_HIDDEN_KEY, '1');
    } catch {
      // Storage refused: hidden for this page only.
    }
  }
}
