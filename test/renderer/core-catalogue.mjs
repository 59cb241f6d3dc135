/**
 * The core's method catalogue (what `methods.list` answers), for the renderer's tests: the form is
 * generated from it, so tests run against the real parameter lists rather than a copy that could
 * drift. Plain JavaScript, like load-runes.mjs: svelte-check checks test/renderer under the
 * renderer's browser-only tsconfig, where the core's Node modules have no types.
 */
import { trainingDefaults } from '../../src-main/core/training/config.ts';
import { methodCatalogue } from '../../src-main/core/training/params.ts';

/** @returns {import('../../src-main/contract').MethodInfo[]} a fresh copy of the core's catalogue */
export function coreCatalogue() {
  return structuredClone(methodCatalogue());
}

/**
 * The core's batch size and epochs for a dataset of `items` examples when the user leaves them empty.
 * @param {number} items
 * @param {import('../../src-main/contract').Modality} [modality]
 * @returns {{ batchSize: number; epochs: number }}
 */
export function coreTrainingDefaults(items, modality) {
  return /** @type {{ batchSize: number; epochs: number }} */ (trainingDefaults(items, modality));
}
