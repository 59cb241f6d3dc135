/**
 * BatchMatMul and _FusedMatMul for the wasm backend.
 *
 * The package sends any matmul with transposeA/transposeB (every dense-layer gradient) to a naive
 * scalar triple loop, 10–100× slower than its XNNPACK fully-connected path. We make transposes
 * explicit (a cheap copy) and call the fast path. Besides, XNNPACK's fully-connected operator runs
 * on one thread in this build, while its convolution uses the thread pool: with more than one thread,
 * large products run as a 1×1 convolution, a [1, 1, M, K] image convolved with a [1, 1, K, N] filter.
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

export function batchMatMul(args: { inputs: { a?: TensorInfo; b?: TensorInfo }; backend: WasmBackend; attrs: MatMulAttrs }): TensorInfo {
  const { a, b } = args.inputs;
  if (a === undefined || b === undefined) throw new Error('BatchMatMul needs inputs a and b');
  const { transposeA, transposeB } = args.attrs;
  return withScratch(args.backend, (s) => {
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
