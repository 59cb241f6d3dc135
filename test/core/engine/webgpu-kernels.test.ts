/**
 * Every training kernel the methods use, on webgpu against the cpu backend, to 1e-3 (float32 on a
 * GPU, with its own summation order): forward and gradient of convolutions (Conv2D,
 * Conv2DBackpropInput, Conv2DBackpropFilter), pooling, matrix products, the engine's batch norm
 * and layer norm, gather (whose gradient is UnsortedSegmentSum), softmax and the elementwise and
 * reduction kernels of the losses.
 */
import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { batchNormRelu } from '../../../src-main/core/engine/ops/batch-norm-relu';
import { layerNorm } from '../../../src-main/core/engine/ops/layer-norm';
import { expectClose, randomValues, type InputSpec } from './backend-compare';
import { useWebGpu, webgpuUnavailable } from './webgpu-adapter';

const unavailable = await webgpuUnavailable();
if (unavailable !== null) console.warn(`webgpu kernel tests skipped: ${unavailable}`);

const TOLERANCE = 1e-3;

/** Builds the inputs on `backend`, runs `compute`, and reads every output asynchronously (webgpu cannot read synchronously). */
async function runOn(backend: 'webgpu' | 'cpu', inputs: InputSpec[], compute: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  if (backend === 'webgpu') await useWebGpu();
  else await initBackend('cpu');
  const outputs = tf.tidy(() => {
    const xs = inputs.map((spec) => tf.tensor(randomValues(spec.shape.reduce((a, b) => a * b, 1), spec.seed), spec.shape));
    const result = compute(...xs);
    return Array.isArray(result) ? result : [result];
  });
  try {
    return await Promise.all(outputs.map(async (t) => Float32Array.from((await t.data()) as ArrayLike<number>)));
  } finally {
    tf.dispose(outputs);
  }
}

async function expectWebGpuMatchesCpu(inputs: InputSpec[], compute: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], what: string): Promise<void> {
  const expected = await runOn('cpu', inputs, compute);
  const actual = await runOn('webgpu', inputs, compute);
  expect(actual.length).toBe(expected.length);
  actual.forEach((values, i) => expectClose(values, expected[i]!, TOLERANCE, `${what} output ${i}`));
}

/** The value and the gradient of Σ f(xs)·w with respect to every input: a kernel's forward and backward at once. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor): (...xs: tf.Tensor[]) => tf.Tensor[] {
  return (...xs) => {
    const weights = tf.tensor(randomValues(f(...xs).size, 999), f(...xs).shape);
    const loss = (...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), weights));
    return [f(...xs), ...tf.grads(loss)(xs)];
  };
}

describe.skipIf(unavailable !== null)('webgpu kernels equal cpu to 1e-3', () => {
  it('conv2d, stride 1 and 2, same and valid padding: output, input and filter gradients', async () => {
    for (const [stride, pad] of [[1, 'same'], [2, 'same'], [2, 'valid']] as const) {
      await expectWebGpuMatchesCpu(
        [{ shape: [2, 9, 9, 3], seed: 1 }, { shape: [3, 3, 3, 5], seed: 2 }],
        withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad)),
        `conv2d stride ${stride} ${pad}`,
      );
    }
  });

  it('conv2dTranspose (the decoders’ upsampling) and its gradients', async () => {
    await expectWebGpuMatchesCpu(
      [{ shape: [2, 4, 4, 6], seed: 3 }, { shape: [3, 3, 4, 6], seed: 4 }],
      withGrads((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 4], 2, 'same')),
      'conv2dTranspose',
    );
  });

  it('average pooling and its gradient', async () => {
    await expectWebGpuMatchesCpu([{ shape: [2, 8, 8, 4], seed: 5 }], withGrads((x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid')), 'avgPool');
  });

  it('matMul with every transpose, batched matMul, and their gradients', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
      await expectWebGpuMatchesCpu(
        [{ shape: ta ? [7, 5] : [5, 7], seed: 6 }, { shape: tb ? [3, 7] : [7, 3], seed: 7 }],
        withGrads((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb)),
        `matMul ${ta} ${tb}`,
      );
    }
    await expectWebGpuMatchesCpu([{ shape: [4, 6, 8], seed: 8 }, { shape: [4, 8, 6], seed: 9 }], withGrads((a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D)), 'batched matMul');
  });

  it('the engine’s batch norm + ReLU and layer norm: outputs and every gradient', async () => {
    await expectWebGpuMatchesCpu(
      [{ shape: [3, 5, 4, 6], seed: 10 }, { shape: [6], seed: 11 }, { shape: [6], seed: 12 }],
      withGrads((y, gamma, beta) => batchNormRelu(tf.add(tf.mul(y!, 2), 0.3) as tf.Tensor4D, tf.add(gamma!, 1.5) as tf.Tensor1D, beta as tf.Tensor1D, 1e-3).output),
      'batchNormRelu',
    );
    await expectWebGpuMatchesCpu(
      [{ shape: [6, 16], seed: 13 }, { shape: [16], seed: 14 }, { shape: [16], seed: 15 }],
      withGrads((x, gamma, beta) => layerNorm(x as tf.Tensor2D, gamma as tf.Tensor1D, beta as tf.Tensor1D)),
      'layerNorm',
    );
  });

  it('gather and its gradient (UnsortedSegmentSum), and unsortedSegmentSum itself', async () => {
    const ids = [3, 0, 3, 7, 1, 1, 9];
    await expectWebGpuMatchesCpu([{ shape: [10, 8], seed: 16 }], withGrads((table) => tf.gather(table!, tf.tensor1d(ids, 'int32'))), 'gather');
    await expectWebGpuMatchesCpu([{ shape: [7, 4], seed: 17 }], (x) => tf.unsortedSegmentSum(x!, tf.tensor1d([2, 0, 2, 4, 1, 1, 0], 'int32'), 5), 'unsortedSegmentSum');
  });

  it('softmax cross-entropy, log-sum-exp and the normalisation of the contrastive losses, with gradients', async () => {
    // Tensors live on one backend: the labels are made inside, on the backend being compared.
    await expectWebGpuMatchesCpu(
      [{ shape: [6, 4], seed: 18 }],
      withGrads((logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 0, 3, 2, 2, 1], 'int32'), 4), logits!)),
      'softmaxCrossEntropy',
    );
    await expectWebGpuMatchesCpu([{ shape: [6, 4], seed: 19 }], withGrads((x) => tf.softmax(tf.mul(x!, 3))), 'softmax');
    await expectWebGpuMatchesCpu([{ shape: [6, 4], seed: 20 }], withGrads((x) => tf.logSumExp(x!, 1)), 'logSumExp');
    await expectWebGpuMatchesCpu(
      [{ shape: [6, 8], seed: 21 }],
      withGrads((x) => tf.div(x!, tf.sqrt(tf.add(tf.sum(tf.square(x!), 1, true), 1e-12)))),
      'row normalisation',
    );
  });

  it('elementwise activations and reductions, with gradients', async () => {
    const unary: [string, (x: tf.Tensor) => tf.Tensor][] = [
      ['relu', tf.relu],
      ['sigmoid', tf.sigmoid],
      ['tanh', tf.tanh],
      ['exp', tf.exp],
      ['log1p of |x|', (x) => tf.log1p(tf.abs(x))],
      ['rsqrt', (x) => tf.rsqrt(tf.add(tf.square(x), 0.5))],
      ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.5)],
      ['maximum', (x) => tf.maximum(x, 0.1)],
      ['mean over axes', (x) => tf.mean(x, [0, 1])],
      ['max over an axis', (x) => tf.max(x, 1)],
      ['transpose', (x) => tf.transpose(x, [1, 0, 2])],
      ['pad', (x) => tf.pad(x, [[0, 0], [1, 2], [0, 0]])],
      ['slice and concat', (x) => tf.concat([tf.slice(x, [0, 1, 0], [2, 2, 3]), tf.slice(x, [0, 0, 0], [2, 1, 3])], 1)],
    ];
    for (const [name, f] of unary) await expectWebGpuMatchesCpu([{ shape: [2, 5, 3], seed: 22 }], withGrads(f), name);
    await expectWebGpuMatchesCpu([{ shape: [2, 5, 3], seed: 24 }], (x) => tf.where(tf.greater(x!, 0), x!, tf.mul(x!, 0.1)), 'where');
    await expectWebGpuMatchesCpu([{ shape: [6, 9], seed: 23 }], (x) => tf.cast(tf.argMax(x!, 1), 'float32'), 'argMax');
  });
});
