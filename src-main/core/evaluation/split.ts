/**
 * Seeded, stratified train/test split of labelled items for the kNN and linear-probe evaluations.
 */
import { Rng } from '../ssl/random';

export interface Split {
  /** Item indices, ascending. */
  train: Int32Array;
  /** Item indices, ascending. */
  test: Int32Array;
}

/**
 * Splits the labelled items so that each class contributes (as nearly as whole numbers allow) the
 * same fraction to the test set.
 *
 * - Items whose label is null (or undefined) are in neither set.
 * - The number of test items is round(labelled × testFraction). Each class of size c gets
 *   ⌊c · testFraction⌋ or one more, the extra ones going to the classes with the largest remainders
 *   (ties broken by the seed), as scikit-learn's stratified split does. A class never gives all its
 *   items to the test set: at least one stays in train, so a class with one item is always in train.
 * - Which items of a class go to test is a seeded shuffle (sfc32 `Rng` from `ssl/random`): the same
 *   labels, fraction and seed always give the same split, on any machine.
 */
export function stratifiedSplit(labels: readonly (string | null | undefined)[], testFraction = 0.2, seed = 0): Split {
  if (!Array.isArray(labels)) throw new Error('stratifiedSplit: labels must be an array');
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new Error(`stratifiedSplit: testFraction must be in [0, 1), got ${testFraction}`);
  }
  if (!Number.isFinite(seed)) throw new Error(`stratifiedSplit: seed must be a finite number, got ${seed}`);

  const byClass = new Map<string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === null || label === undefined) continue;
    if (typeof label !== 'string') throw new Error(`stratifiedSplit: labels[${i}] is a ${typeof label}, not a string or null`);
    let members = byClass.get(label);
    if (!members) byClass.set(label, (members = []));
    members.push(i);
  }
  // Sorted class names make the result independent of the order in which classes first appear.
  const names = [...byClass.keys()].sort();
  const groups = names.map((name) => byClass.get(name)!);
  const labelled = groups.reduce((sum, g) => sum + g.length, 0);

  const rng = new Rng(seed);
  // Test counts: floors of the exact quotas, then the remaining items by largest remainder.
  const quota = groups.map((g) => g.length * testFraction);
  const counts = quota.map((q, c) => Math.min(Math.floor(q), groups[c]!.length - 1));
  let missing = Math.round(labelled * testFraction) - counts.reduce((s, x) => s + x, 0);
  const order = Int32Array.from(groups.keys());
  rng.shuffle(order);
  const byRemainder = [...order].sort((a, b) => quota[b]! - Math.floor(quota[b]!) - (quota[a]! - Math.floor(quota[a]!)));
  for (const c of byRemainder) {
    if (missing <= 0) break;
    if (counts[c]! < groups[c]!.length - 1) {
      counts[c]! += 1;
      missing--;
    }
  }

  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((members, c) => {
    const shuffled = Int32Array.from(members);
    rng.shuffle(shuffled);
    const nTest = counts[c]!;
    for (let i = 0; i < shuffled.length; i++) (i < nTest ? test : train).push(shuffled[i]!);
  });
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}
