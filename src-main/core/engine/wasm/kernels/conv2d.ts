/**
 * Conv2D for the wasm backend on our direct SIMD convolution (native/kernels.c, conv_direct) where
 * it beats the package's XNNPACK convolution: spatial filters with at least MIN_INPUT_CHANNELS
 * input channels and Co % 8 = 0 (the hidden layers of the image encoders; 1.1–1.4× on their shapes
 * with 2 threads). XNNPACK re-packs the filter whenever it changes (every training step) and runs
 * an indirection GEMM; ours reads the filter in place. Everything else (1×1 filters, which are the
 * matrix products of batch-mat-mul.ts, dilations, a first layer with one or three channels, any
 * dtype but float32) keeps the package's kernel.
 */
import { tf } from '../../tf';
import { nativeKernels } from '../native/native-kernels';
import { assertNhwc, overrideWasmKernel, runStockKernel, type TensorInfo, type WasmBackend } from './kernel-utils';

/** Below this many input channels the per-tap bookkeeping outweighs the multiply-adds. */
const MIN_INPUT_CHANNELS = 8;

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function conv2d(args: { inputs: { x?: TensorInfo; filter?: TensorInfo }; backend: WasmBackend; attrs: Conv2DAttrs }): TensorInfo {
  const { x, filter } = args.inputs;
  if (x === undefined || filter === undefined) throw new Error('Conv2D needs inputs x and filter');
  const backend = args.backend;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs;
  assertNhwc('Conv2D', dataFormat);
  const native = nativeKernels(backend);
  const [fh, fw, ci, co] = filter.shape as [number, number, number, number];
  if (native === null || x.dtype !== 'float32' || fh * fw === 1 || ci < MIN_INPUT_CHANNELS || co % 8 !== 0) {
    return runStockKernel('Conv2D', backend, { x, filter }, args.attrs as unknown as Record<string, unknown>);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    return runStockKernel('Conv2D', backend, { x, filter }, args.attrs as unknown as Record<string, unknown>);
  }
  const out = backend.makeOutput(info.outShape, 'float32');
  const zero = backend.makeOutput([ci], 'float32');
  try {
    native.f32(zero).fill(0);
    native.run(
      'conv_direct',
      [
        native.pointer(x),
        native.pointer(filter),
        native.pointer(out),
        native.pointer(zero),
        info.inHeight,
        info.inWidth,
        ci,
        info.outHeight,
        info.outWidth,
        co,
        fh,
        fw,
        info.strideHeight,
        info.strideWidth,
        info.padInfo.top,
        info.padInfo.left,
        info.outHeight,
        info.outWidth,
        1,
        0,
        1,
        0,
      ],
      0,
      info.batchSize,
    );
  } catch (error) {
    backend.disposeData(out.dataId);
    throw error;
  } finally {
    backend.disposeData(zero.dataId);
  }
  return out;
}

export function registerConv2DKernel(): void {
  overrideWasmKernel({ kernelName: 'Conv2D', kernelFunc: conv2d as unknown as tf.KernelFunc });
}
