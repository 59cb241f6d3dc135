/**
 * Every wasm training kernel we register is checked against tfjs' reference cpu backend, from
 * identical random inputs: the kernel itself and the gradients of the ops that use it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { expectClose, expectWasmMatchesCpu, randomValues, runOn } from './backend-compare';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 8, 9, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'valid' },
  { x: [2, 9, 8, 4], filter: [3, 2, 4, 3], strides: 1, pad: 'valid' },
  { x: [2, 6, 6, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { x: [2, 10, 10, 3], filter: [5, 5, 3, 2], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 2], filter: [3, 3, 2, 3], strides: 3, pad: 'same' },
  { x: [2, 8, 7, 3], filter: [3, 3, 3, 2], strides: [2, 1], pad: 'same' },
  { x: [1, 5, 5, 2], filter: [1, 1, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 7, 7, 3], filter: [2, 2, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  // Stride 1 with few input channels: the backprop filter swaps the roles of x and dy.
  { x: [2, 8, 7, 2], filter: [3, 2, 2, 5], strides: 1, pad: 'valid' },
  { x: [3, 6, 5, 1], filter: [2, 3, 1, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 1], filter: [3, 3, 1, 6], strides: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  // Few taps (KH·KW·Ci ≤ 32) and Co % 4 = 0: the filter gradient is our SIMD loop, with images split over the threads.
  { x: [5, 9, 9, 1], filter: [3, 3, 1, 32], strides: 2, pad: 'same' },
  { x: [4, 8, 8, 3], filter: [3, 3, 3, 36], strides: 1, pad: 'valid' },
  { x: [3, 11, 10, 2], filter: [3, 3, 2, 8], strides: 3, pad: 'same' },
  // Ci % 4 = 0 and Co % 8 = 0: the filter gradient is our register-tiled SIMD loop, over blocks of 8 images.
  { x: [19, 7, 7, 8], filter: [3, 3, 8, 16], strides: 2, pad: 'same' },
  { x: [3, 6, 5, 4], filter: [3, 3, 4, 8], strides: 1, pad: 'valid' },
  { x: [10, 6, 7, 12], filter: [2, 3, 12, 24], strides: [2, 1], pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  // Ci % 8 = 0: the input gradient is our direct convolution, one call per phase (a 1×1 stride-2 filter leaves phases with no tap).
  { x: [3, 9, 8, 8], filter: [3, 3, 8, 8], strides: 1, pad: 'same' },
  { x: [2, 10, 9, 16], filter: [3, 3, 16, 8], strides: 2, pad: 'valid' },
  { x: [2, 7, 7, 8], filter: [5, 5, 8, 12], strides: 3, pad: 'same' },
  { x: [2, 6, 6, 8], filter: [1, 1, 8, 8], strides: 2, pad: 'valid' },
  // Tiles of 4 output pixels run across rows and images: 2×2 and 3×1 outputs, a pixel count not a multiple of 4.
  { x: [3, 4, 4, 16], filter: [3, 3, 16, 24], strides: 2, pad: 'same' },
  { x: [5, 5, 2, 8], filter: [3, 2, 8, 8], strides: [2, 1], pad: 'valid' },
  // A 2×2 map under a 3×3 stride-2 filter (the encoder's last block on 8 px images): the last taps fall wholly in the padding.
  { x: [5, 2, 2, 8], filter: [3, 3, 8, 16], strides: 2, pad: 'same' },
  { x: [4, 2, 2, 1], filter: [3, 3, 1, 8], strides: 2, pad: 'same' },
  { x: [3, 1, 3, 4], filter: [3, 3, 4, 8], strides: 2, pad: 'same' },
];

function describeConv(c: ConvCase): string {
  return `x [${c.x.join(',')}] filter [${c.filter.join(',')}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
}

function convOutShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  return info.outShape;
}

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

describe('Conv2DBackpropFilter (wasm, new kernel)', () => {
  it.each(CONV_CASES)('matches cpu for %#', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: c.x, seed: 1 },
        { shape: convOutShape(c), seed: 2 },
      ],
      (x, dy) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          filterShape: c.filter,
        } as never) as tf.Tensor,
      `Conv2DBackpropFilter ${describeConv(c)}`,
    );
  });
});

describe('Conv2D (wasm, our direct convolution from 8 input channels, else the package)', () => {
  it.each(CONV_CASES)('matches cpu for %#', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: c.x, seed: 11 },
        { shape: c.filter, seed: 12 },
      ],
      (x, filter) => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.strides, c.pad),
      `Conv2D ${describeConv(c)}`,
    );
  });
});

describe('Conv2DBackpropInput (wasm, sub-pixel convolution)', () => {
  it.each(CONV_CASES)('matches cpu for %#', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: convOutShape(c), seed: 3 },
        { shape: c.filter, seed: 4 },
      ],
      (dy, filter) => tf.conv2dTranspose(dy as tf.Tensor4D, filter as tf.Tensor4D, c.x, c.strides, c.pad),
      `Conv2DBackpropInput ${describeConv(c)}`,
    );
  });
});

describe('conv2d gradients through the new kernels', () => {
  it.each(CONV_CASES)('tf.grads(conv2d) matches cpu for %#', async (c) => {
    const outShape = convOutShape(c);
    await expectWasmMatchesCpu(
      [
        { shape: c.x, seed: 5 },
        { shape: c.filter, seed: 6 },
        { shape: outShape, seed: 7 },
      ],
      (x, filter, weights) => {
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), weights!));
        return tf.grads(loss)([x!, filter!]);
      },
      `grads of conv2d ${describeConv(c)}`,
    );
  });

  it.each(CONV_CASES.slice(0, 4))('tf.grads(conv2dTranspose) matches cpu for %#', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: convOutShape(c), seed: 8 },
        { shape: c.filter, seed: 9 },
        { shape: c.x, seed: 10 },
      ],
      (dy, filter, weights) => {
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, c.strides, c.pad), weights!));
        return tf.grads(loss)([dy!, filter!]);
      },
      `grads of conv2dTranspose ${describeConv(c)}`,
    );
  });
});

describe('BatchMatMul / _FusedMatMul with transposes (wasm, explicit transposes + threaded 1×1 conv)', () => {
  const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
    { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
    { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
    { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
    { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
    // Large enough (M ≥ 256 rows, M·K·N ≥ 4M) for the threaded 1×1-convolution path.
    { a: [300, 160], b: [160, 130], transposeA: false, transposeB: false },
    { a: [160, 300], b: [130, 160], transposeA: true, transposeB: true },
    // Batched.
    { a: [3, 6, 4], b: [3, 5, 6], transposeA: true, transposeB: true },
  ];

  it('broadcasts a batch dimension of 1 like cpu', async () => {
    // (tfjs-core's own BatchMatMul gradient does not reduce broadcast batch dims, so forward only.)
    await expectWasmMatchesCpu(
      [
        { shape: [2, 4, 6], seed: 30 },
        { shape: [1, 3, 6], seed: 31 },
      ],
      (a, b) => tf.matMul(a!, b!, false, true),
      'broadcast batched matMul',
    );
  });

  it.each(cases)('matMul and its gradients match cpu: %j', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: c.a, seed: 11 },
        { shape: c.b, seed: 12 },
      ],
      (a, b) => {
        const product = tf.matMul(a!, b!, c.transposeA, c.transposeB);
        const weights = tf.tensor(randomValues(product.size, 13), product.shape);
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.transposeA, c.transposeB), weights)))([a!, b!]);
        return [product, da!, db!];
      },
      `matMul ${JSON.stringify(c)}`,
    );
  });

  it.each([
    { a: [6, 5], b: [5, 4], transposeA: false, transposeB: false, activation: 'relu' as const },
    { a: [5, 6], b: [4, 5], transposeA: true, transposeB: true, activation: 'linear' as const },
    { a: [300, 160], b: [160, 130], transposeA: false, transposeB: false, activation: 'relu' as const },
  ])('fused matMul (bias, activation) and its gradients match cpu: %j', async (c) => {
    const n = c.transposeB ? c.b[0]! : c.b[1]!;
    await expectWasmMatchesCpu(
      [
        { shape: c.a, seed: 14 },
        { shape: c.b, seed: 15 },
        { shape: [n], seed: 16 },
      ],
      (a, b, bias) => {
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias: z, transposeA: c.transposeA, transposeB: c.transposeB, activation: c.activation });
        const product = f(a!, b!, bias!);
        const weights = tf.tensor(randomValues(product.size, 17), product.shape);
        return [product, ...tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(f(x, y, z), weights)))([a!, b!, bias!])];
      },
      `fused matMul ${JSON.stringify(c)}`,
    );
  });
});

describe('UnsortedSegmentSum (wasm, new kernel: gradient of gather)', () => {
  it('matches cpu with repeated, negative and out-of-range ids', async () => {
    const ids = [3, 0, 3, -1, 5, 1, 1, 9];
    for (const rowShape of [[], [4], [2, 3]]) {
      const expected = await runOn('cpu', [{ shape: [ids.length, ...rowShape], seed: 18 }], (x) =>
        tf.unsortedSegmentSum(x!, tf.tensor1d(ids, 'int32'), 6),
      );
      const actual = await runOn('wasm', [{ shape: [ids.length, ...rowShape], seed: 18 }], (x) =>
        tf.unsortedSegmentSum(x!, tf.tensor1d(ids, 'int32'), 6),
      );
      expectClose(actual[0]!, expected[0]!, 1e-6, `rows of shape [${rowShape.join(',')}]`);
    }
  });

  it('handles 2-D segment ids and int32 data', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
    const ids = tf.tensor2d([[0, 2], [2, 0]], [2, 2], 'int32');
    const sums = tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 3 }) as tf.Tensor;
    const result = sums.arraySync();
    tf.dispose([x, ids, sums]);
    expect(result).toEqual([
      [8, 10],
      [0, 0],
      [8, 10],
    ]);
  });

  it('tf.grad of an embedding lookup (gather) matches cpu', async () => {
    const indices = [4, 1, 1, 0, 7, 4, 4, 2, 9, 3, 0, 1];
    await expectWasmMatchesCpu(
      [
        { shape: [10, 6], seed: 19 },
        { shape: [3, 4, 6], seed: 20 },
      ],
      (table, weights) =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor2d(indices, [3, 4], 'int32')), weights!)))(table!),
      'gather gradient',
    );
  });
});

describe('DepthwiseConv2dNative gradients (wasm, new kernels)', () => {
  const cases: { x: [number, number, number, number]; filter: [number, number, number, number]; strides: number; pad: 'same' | 'valid'; dilations: number }[] = [
    { x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same', dilations: 1 },
    { x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same', dilations: 1 },
    { x: [3, 8, 9, 2], filter: [3, 3, 2, 1], strides: 2, pad: 'valid', dilations: 1 },
    { x: [2, 9, 8, 4], filter: [2, 3, 4, 3], strides: 1, pad: 'valid', dilations: 1 },
    { x: [2, 9, 9, 2], filter: [3, 3, 2, 2], strides: 1, pad: 'same', dilations: 2 },
    { x: [2, 9, 9, 2], filter: [3, 3, 2, 1], strides: 3, pad: 'same', dilations: 1 },
  ];
  const kernelOutputs = (c: (typeof cases)[number], x: tf.Tensor, filter: tf.Tensor, dy: tf.Tensor) => {
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations };
    return [
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...attrs, inputShape: c.x } as never) as tf.Tensor,
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filter } as never) as tf.Tensor,
    ];
  };
  const outShapeOf = (c: (typeof cases)[number]) =>
    tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations, c.pad, undefined, true).outShape;

  it.each(cases.filter((c) => c.dilations === 1))('backprop input and filter kernels match cpu: %j', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: c.x, seed: 21 },
        { shape: c.filter, seed: 22 },
        { shape: outShapeOf(c), seed: 23 },
      ],
      (x, filter, dy) => kernelOutputs(c, x!, filter!, dy!),
      `depthwise gradients ${JSON.stringify(c)}`,
    );
  });

  // tfjs' cpu kernels ignore dilations in these two gradients (tfjs-core never asks for them), so
  // with dilation the reference is the adjoint identity of the (cpu-checked) forward convolution:
  // <conv(x, W), dy> = <x, backpropInput(dy, W)> = <W, backpropFilter(x, dy)>.
  it.each(cases.filter((c) => c.dilations > 1))('dilated backprop kernels are adjoints of the forward conv: %j', async (c) => {
    await tf.setBackend('wasm');
    const [forward, viaInput, viaFilter] = tf.tidy(() => {
      const x = tf.tensor(randomValues(c.x.reduce((a, b) => a * b), 32), c.x) as tf.Tensor4D;
      const filter = tf.tensor(randomValues(c.filter.reduce((a, b) => a * b), 33), c.filter) as tf.Tensor4D;
      const outShape = outShapeOf(c);
      const dy = tf.tensor(randomValues(outShape.reduce((a, b) => a * b), 34), outShape);
      const [dx, dW] = kernelOutputs(c, x, filter, dy);
      return [
        tf.sum(tf.mul(tf.depthwiseConv2d(x, filter, c.strides, c.pad, 'NHWC', c.dilations), dy)).dataSync()[0]!,
        tf.sum(tf.mul(x, dx!)).dataSync()[0]!,
        tf.sum(tf.mul(filter, dW!)).dataSync()[0]!,
      ];
    });
    expect(Math.abs(viaInput - forward) / Math.abs(forward)).toBeLessThan(1e-4);
    expect(Math.abs(viaFilter - forward) / Math.abs(forward)).toBeLessThan(1e-4);
  });

  it.each(cases.filter((c) => c.dilations === 1))('tf.grads(depthwiseConv2d) matches cpu: %j', async (c) => {
    const outShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, true).outShape;
    await expectWasmMatchesCpu(
      [
        { shape: c.x, seed: 24 },
        { shape: c.filter, seed: 25 },
        { shape: outShape, seed: 26 },
      ],
      (x, filter, weights) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), weights!)))([x!, filter!]),
      `grads of depthwiseConv2d ${JSON.stringify(c)}`,
    );
  });
});

describe('Slice / SplitV (wasm, heap-to-heap copies)', () => {
  it.each([
    { shape: [17], begin: [3], size: [9] },
    { shape: [5, 6], begin: [1, 2], size: [3, 3] },
    { shape: [4, 5, 6], begin: [1, 0, 2], size: [2, 5, 3] },
    { shape: [3, 4, 5, 6], begin: [1, 1, 0, 0], size: [2, 2, 5, 6] },
    { shape: [3, 4, 5, 6], begin: [0, 1, 2, 3], size: [3, 2, 3, 2] },
    { shape: [2, 3, 2, 3, 4], begin: [1, 0, 1, 1, 1], size: [1, 3, 1, 2, 3] },
  ])('slice and its gradient match cpu: %j', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: c.shape, seed: 27 },
        { shape: c.size, seed: 28 },
      ],
      (x, weights) => [tf.slice(x!, c.begin, c.size), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, c.begin, c.size), weights!)))(x!)],
      `slice ${JSON.stringify(c)}`,
      0,
    );
  });

  it('split along inner and outer axes matches cpu', async () => {
    await expectWasmMatchesCpu(
      [{ shape: [4, 6, 5], seed: 29 }],
      (x) => [...tf.split(x!, [1, 3, 2], 1), ...tf.split(x!, 2, 0), ...tf.split(x!, [2, 3], 2)],
      'split',
      0,
    );
  });
});
