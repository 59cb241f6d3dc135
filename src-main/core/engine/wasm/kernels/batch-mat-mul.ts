/**
 * BatchMatMul and _FusedMatMul for the wasm backend.
 *
 * The package sends any matmul with transposeA/transposeB (every dense-layer gradient) to a naive
 * scalar triple loop, 10–100× slower than its XNNPACK fully-connected path. We make transposes
 * explicit (a cheap copy) and call the fast path. Besides, XNNPACK's fully-connected operator runs
 * on one thread in this build, while its convolution uses the thread pool: with more than one thread,
 * large products run as a 1×1 convolution, a [1, 1, M, K] image convolved with a [1, 1, K, N] filter.
 *
 * A batched product (batch G > 1, the attention maps of a Transformer) never reaches XNNPACK at all:
 * the package runs it as a scalar blocked loop (~1 GFLOP/s). We run it as one grouped convolution,
 * which XNNPACK threads and vectorises: a depthwise convolution with channel multiplier N is a
 * convolution of G groups, each with 1 input channel and N outputs. With the batch as the channels,
 * an [M, K, G] image convolved (valid, 1×K window) with a [1, K, G, N] filter gives
 *
 *   out[m, 0, g·N + n] = Σ_k image[m, k, g] · filter[0, k, g, n] = Σ_k A[g, m, k] · B[g, k, n]
 *
 * Three rank-3 transposes move the batch axis in and out (and absorb transposeA/transposeB). On
 * [256, 64, 32] · [256, 32, 64] (4 heads × 64 sequences of 64 tokens) this is ~3× faster.
 */
import type { tf } from '../../tf';
import { overrideWasmKernel, runStockKernel, type Scratch, sizeOf, type TensorInfo, type WasmBackend, wasmThreads, withScratch } from './kernel-utils';

/** Products smaller than this many multiply-adds are not worth threading. */
const THREADED_MIN_MACS = 4_000_000;
/**
 * The convolution re-packs b on every call at ~8 ns per float (the package transposes it first),
 * about 4× the fully-connected path's packing: threading only pays when each packed float is used
 * by enough rows of a.
 */
const THREADED_MIN_ROWS = 256;
/** Batched products smaller than this many multiply-adds stay on the package's loop (its overhead is lower). */
const GROUPED_MIN_MACS = 262_144;

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

interface FusedMatMulAttrs extends MatMulAttrs {
  activation?: string;
  leakyreluAlpha?: number;
}

function transposeLastTwo(s: Scratch, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return s.transpose(x, perm);
}

/** a [M, K] · b [K, N] (+ bias, activation) as a threaded XNNPACK 1×1 convolution; null if not applicable. */
function matMulAsConv(
  s: Scratch,
  a: TensorInfo,
  b: TensorInfo,
  fused?: { bias?: TensorInfo; preluActivationWeights?: TensorInfo; activation?: string; leakyreluAlpha?: number },
): TensorInfo | null {
  if (a.shape.length !== 2 || b.shape.length !== 2) return null;
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  if (m < THREADED_MIN_ROWS || m * k * n < THREADED_MIN_MACS || wasmThreads(s.backend) < 2) return null;
  if (fused?.bias !== undefined && (fused.bias.shape.length !== 1 || fused.bias.shape[0] !== n)) return null;
  if (fused?.preluActivationWeights !== undefined && sizeOf(fused.preluActivationWeights.shape) !== n) return null;
  const image = s.reshape(a, [1, 1, m, k]);
  const filter = s.reshape(b, [1, 1, k, n]);
  const convAttrs = { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' };
  const out =
    fused === undefined
      ? s.run('Conv2D', { x: image, filter }, convAttrs)
      : s.run(
          'FusedConv2D',
          { x: image, filter, bias: fused.bias, preluActivationWeights: fused.preluActivationWeights },
          { ...convAttrs, activation: fused.activation ?? 'linear', leakyreluAlpha: fused.leakyreluAlpha ?? 0 },
        ); // [1, 1, M, N]
  return s.reshape(out, [m, n]);
}

/**
 * Batched a [..., M, K] · b [..., K, N] (either transposed in its last two axes, the same batch shape
 * on both sides, G > 1 in all) as one grouped XNNPACK convolution; null if not applicable.
 */
function batchedMatMulAsGroupedConv(s: Scratch, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | null {
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  if (rankA < 3 || rankA !== rankB) return null;
  const batchShape = a.shape.slice(0, -2);
  if (batchShape.some((size, i) => size !== b.shape[i])) return null;
  const g = sizeOf(batchShape);
  const [a1, a2] = [a.shape[rankA - 2]!, a.shape[rankA - 1]!];
  const [b1, b2] = [b.shape[rankB - 2]!, b.shape[rankB - 1]!];
  const [m, k] = transposeA ? [a2, a1] : [a1, a2];
  const n = transposeB ? b1 : b2;
  if ((transposeB ? b2 : b1) !== k) return null; // let the package report the mismatch
  if (g < 2 || g * m * k * n < GROUPED_MIN_MACS) return null;
  // image [M, K, G] from a [G, M, K] (or [G, K, M]); filter [K, G, N] from b [G, K, N] (or [G, N, K]).
  const image = s.reshape(s.transpose(s.reshape(a, [g, a1, a2]), transposeA ? [2, 1, 0] : [1, 2, 0]), [1, m, k, g]);
  const filter = s.reshape(s.transpose(s.reshape(b, [g, b1, b2]), transposeB ? [2, 0, 1] : [1, 0, 2]), [1, k, g, n]);
  const grouped = s.run('DepthwiseConv2dNative', { x: image, filter }, { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' }); // [1, M, 1, G·N]
  const product = s.transpose(s.reshape(grouped, [m, g, n]), [1, 0, 2]); // [G, M, N]
  return s.reshape(product, [...batchShape, m, n]);
}

export function batchMatMul(args: { inputs: { a?: TensorInfo; b?: TensorInfo }; backend: WasmBackend; attrs: MatMulAttrs }): TensorInfo {
  const { a, b } = args.inputs;
  if (a === undefined || b === undefined) throw new Error('BatchMatMul needs inputs a and b');
  const { transposeA, transposeB } = args.attrs;
  return withScratch(args.backend, (s) => {
    if (a.dtype === 'float32' && b.dtype === 'float32') {
      const viaGroups = batchedMatMulAsGroupedConv(s, a, b, transposeA, transposeB);
      if (viaGroups !== null) return s.release(viaGroups);
    }
    const a2 = transposeA ? transposeLastTwo(s, a) : a;
    const b2 = transposeB ? transposeLastTwo(s, b) : b;
    const viaConv = matMulAsConv(s, a2, b2);
    if (viaConv !== null) return s.release(viaConv);
    return runStockKernel('BatchMatMul', args.backend, { a: a2, b: b2 }, { transposeA: false, transposeB: false });
  });
}

export function fusedMatMul(args: {
  inputs: { a?: TensorInfo; b?: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: WasmBackend;
  attrs: FusedMatMulAttrs;
}): TensorInfo {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  if (a === undefined || b === undefined) throw new Error('_FusedMatMul needs inputs a and b');
  const { transposeA, transposeB } = args.attrs;
  return withScratch(args.backend, (s) => {
    const a2 = transposeA ? transposeLastTwo(s, a) : a;
    const b2 = transposeB ? transposeLastTwo(s, b) : b;
    const fused = {
      ...(bias === undefined ? {} : { bias }),
      ...(preluActivationWeights === undefined ? {} : { preluActivationWeights }),
      ...(args.attrs.activation === undefined ? {} : { activation: args.attrs.activation }),
      ...(args.attrs.leakyreluAlpha === undefined ? {} : { leakyreluAlpha: args.attrs.leakyreluAlpha }),
    };
    const viaConv = matMulAsConv(s, a2, b2, fused);
    if (viaConv !== null) return s.release(viaConv);
    return runStockKernel(
      '_FusedMatMul',
      args.backend,
      { a: a2, b: b2, bias, preluActivationWeights },
      { ...args.attrs, transposeA: false, transposeB: false },
    );
  });
}

export function registerMatMulKernels(): void {
  overrideWasmKernel({ kernelName: 'BatchMatMul', kernelFunc: batchMatMul as unknown as tf.KernelFunc });
  overrideWasmKernel({ kernelName: '_FusedMatMul', kernelFunc: fusedMatMul as unknown as tf.KernelFunc });
}
