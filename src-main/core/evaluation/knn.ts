/**
 * Weighted k-nearest-neighbour classification on frozen embeddings, the monitor of Wu et al. 2018
 * ("Unsupervised Feature Learning via Non-Parametric Instance Discrimination", section 3.4): both
 * sets are L2-normalised, each test item takes its k most cosine-similar training items, and each
 * neighbour votes for its class with weight exp(sim / τ). The class with the largest total wins.
 *
 * Hand-written because the maintained npm candidate, `ml-knn` 3.0, searches a KD-tree with
 * Euclidean distance and counts plain majority votes: no temperature-weighted cosine votes, and a
 * KD-tree degrades to a slow exhaustive scan in 128 dimensions. Here one blocked exact pass does it.
 */
import { assertLabels, assertPositive, assertPositiveInteger, normalisedRows, rowsOf, type Embeddings } from './checks';
import { dot4Rows } from './kernels';

export interface KnnOptions {
  /** Neighbours per test item (Wu et al. use 200 on ImageNet; 20 is the usual small-data choice). Default 20; at most the number of training items. */
  k?: number;
  /** τ in the vote weight exp(sim / τ). Default 0.07, as in Wu et al. */
  temperature?: number;
}

/** Training rows per block: 256 rows of 128 float64 values are 256 KiB, about one L2 cache. */
const TRAIN_BLOCK = 256;

/**
 * Predicted class of each test row. Ties in similarity keep the training item with the smaller
 * index; ties in the vote go to the smaller class index.
 *
 * Cost: nTest × nTrain × dim multiply-adds in 4 × 4 register blocks over 256-row blocks of the
 * training set, plus a partial insertion top-k per test row. Memory: float64 copies of both sets
 * and nTest × k top-k slots; nothing is allocated per query.
 */
export function knnPredict(trainX: Embeddings, trainY: Int32Array, testX: Embeddings, dim: number, options: KnnOptions = {}): Int32Array {
  const nTrain = rowsOf('knn trainX', trainX, dim);
  const nTest = rowsOf('knn testX', testX, dim);
  if (nTrain < 1) throw new Error('knn needs at least one training item, got 0');
  const classes = assertLabels('knn trainY', trainY, nTrain);
  const kWanted = options.k ?? 20;
  assertPositiveInteger('knn k', kWanted);
  const temperature = options.temperature ?? 0.07;
  assertPositive('knn temperature', temperature);
  const k = Math.min(kWanted, nTrain);

  const train = normalisedRows('knn trainX', trainX, nTrain, dim, 4);
  const test = normalisedRows('knn testX', testX, nTest, dim, 4);
  const trainRows = train.length / dim;
  const testRows = test.length / dim;

  const topSim = new Float64Array(nTest * k).fill(-Infinity);
  const topIdx = new Int32Array(nTest * k).fill(-1);
  const block = new Float64Array(4 * TRAIN_BLOCK);

  for (let b0 = 0; b0 < trainRows; b0 += TRAIN_BLOCK) {
    const b1 = Math.min(trainRows, b0 + TRAIN_BLOCK);
    const real = Math.min(b1, nTrain); // padding rows never enter the top-k
    for (let q0 = 0; q0 < testRows; q0 += 4) {
      dot4Rows(test, q0, train, b0, b1, dim, block, TRAIN_BLOCK);
      for (let r = 0; r < 4; r++) {
        const q = q0 + r;
        if (q >= nTest) break;
        const base = q * k;
        const last = base + k - 1;
        const row = r * TRAIN_BLOCK - b0;
        let threshold = topSim[last]!;
        for (let t = b0; t < real; t++) {
          const s = block[row + t]!;
          if (s <= threshold) continue;
          // Insert into the descending list, after any equal similarity (earlier items win ties).
          let p = last;
          while (p > base && topSim[p - 1]! < s) {
            topSim[p] = topSim[p - 1]!;
            topIdx[p] = topIdx[p - 1]!;
            p--;
          }
          topSim[p] = s;
          topIdx[p] = t;
          threshold = topSim[last]!;
        }
      }
    }
  }

  const predictions = new Int32Array(nTest);
  const votes = new Float64Array(classes);
  for (let q = 0; q < nTest; q++) {
    const base = q * k;
    votes.fill(0);
    // Shifting by the best similarity keeps exp() finite for any τ without changing the winner.
    const best = topSim[base]!;
    for (let p = base; p < base + k; p++) votes[trainY[topIdx[p]!]!]! += Math.exp((topSim[p]! - best) / temperature);
    let winner = 0;
    for (let c = 1; c < classes; c++) if (votes[c]! > votes[winner]!) winner = c;
    predictions[q] = winner;
  }
  return predictions;
}

/** Fraction of test rows whose weighted-kNN prediction equals their label (see `knnPredict`). */
export function knnAccuracy(
  trainX: Embeddings,
  trainY: Int32Array,
  testX: Embeddings,
  testY: Int32Array,
  dim: number,
  options: KnnOptions = {},
): number {
  const nTest = rowsOf('knn testX', testX, dim);
  assertLabels('knn testY', testY, nTest);
  if (nTest < 1) throw new Error('knn accuracy needs at least one test item, got 0');
  const predictions = knnPredict(trainX, trainY, testX, dim, options);
  let correct = 0;
  for (let i = 0; i < nTest; i++) if (predictions[i] === testY[i]) correct++;
  return correct / nTest;
}
