/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none), as one forward
 * convolution on XNNPACK:
 *
 *   dW[kh, kw, ci, co] = Σ_{n, ho, wo} x[n, ho·sh + kh − pt, wo·sw + kw − pl, ci] · dy[n, ho, wo, co]
 *
 * is a convolution whose channels are n (the reduction), whose filter is dy with spatial size Ho×Wo
 * dilated by the stride, and whose output pixels are the taps (kh, kw):
 *
 *   dyᵀ = dy transposed to [Ho, Wo, N, Co]                                   (the filter)
 *   x'  = x transposed to [H, W, Ci, N], seen as ONE image [1, H, W·Ci, N]  (the input)
 *   dW  = conv2d(x', dyᵀ, dilation (sh, sw·Ci), padding (pt, pl·Ci, …)) → [1, KH, KW·Ci, Co]
 *
 * Folding Ci into the width (dilating by sw·Ci columns) makes the output come out directly in
 * dW's layout [KH, KW, Ci, Co], and lets x' be built with two cheap transposes (runs of Ci floats,
 * then N×Ci blocks) instead of one element-by-element transpose to [Ci, H, W, N].
 *
 * XNNPACK repacks the filter operand on every call (the package transposes it to [Co, K] first, at
 * several ns per float), so the operand that becomes the filter matters. With stride 1 the roles can
 * swap, making x the filter: worth it when x is much smaller than dy, e.g. a first layer with one
 * input channel (see `swappedBackpropFilter`).
 */
import { tf } from '../../tf';
import { type NativeKernels, nativeKernels } from '../native/native-kernels';
import { addWasmKernel, assertNhwc, heapF32, type Scratch, type TensorInfo, type WasmBackend, withScratch } from './kernel-utils';

/**
 * Up to this many taps (KH·KW·Ci: a first layer on grey or RGB images) the filter gradient runs as
 * a direct SIMD loop of our own (native/kernels.c, conv_filter_grad_small) on all threads: the
 * convolution below would pack all of dy as its filter to produce a few hundred numbers.
 */
const SMALL_FILTER_TAPS = 32;

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2DBackpropFilter(args: { inputs: { x?: TensorInfo; dy?: TensorInfo }; backend: WasmBackend; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs inputs x and dy');
  assertNhwc('Conv2DBackpropFilter', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;

  const native = nativeKernels(args.backend);
  if (native !== null && info.dilationHeight === 1 && info.dilationWidth === 1) {
    if (filterHeight * filterWidth * info.inChannels <= SMALL_FILTER_TAPS && info.outChannels % 4 === 0) {
      return nativeBackpropFilter(args.backend, native, 'conv_filter_grad_small', x, dy, info);
    }
    if (info.inChannels % 4 === 0 && info.outChannels % 8 === 0) return nativeBackpropFilter(args.backend, native, 'conv_filter_grad', x, dy, info);
  }

  const stride1 = strideHeight === 1 && strideWidth === 1;
  if (stride1 && 2 * info.inChannels <= info.outChannels) {
    return swappedBackpropFilter(args.backend, x, dy, filterShape, padInfo);
  }

  return withScratch(args.backend, (s) => {
    // Rows of (padded) x that the forward pass read: filterHeight + (outHeight − 1)·stride from −top.
    // When the forward conv ignored trailing rows/columns (e.g. 'valid' with a remainder), crop them.
    const usedHeight = Math.min(inHeight, filterHeight + (outHeight - 1) * strideHeight - padInfo.top);
    const usedWidth = Math.min(inWidth, filterWidth + (outWidth - 1) * strideWidth - padInfo.left);
    let input = x;
    if (usedHeight < inHeight || usedWidth < inWidth) {
      input = s.run('Slice', { x }, { begin: [0, 0, 0, 0], size: [x.shape[0], usedHeight, usedWidth, x.shape[3]] });
    }
    const padBottom = filterHeight + (outHeight - 1) * strideHeight - padInfo.top - usedHeight;
    const padRight = filterWidth + (outWidth - 1) * strideWidth - padInfo.left - usedWidth;

    const [n, h, w, ci] = input.shape as [number, number, number, number];
    const pixelsMajor = s.transpose(s.reshape(input, [n, h * w, ci]), [1, 0, 2]); // [H·W, N, Ci]
    const channelsMajor = s.transpose(pixelsMajor, [0, 2, 1]); // [H·W, Ci, N]
    const image = s.reshape(channelsMajor, [1, h, w * ci, n]); // [1, H, W·Ci, N]
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
    const dW = s.run(
      'Conv2D',
      { x: image, filter: dyT },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padInfo.top, padBottom],
          [padInfo.left * ci, padRight * ci],
          [0, 0],
        ],
        dilations: [strideHeight, strideWidth * ci],
        dataFormat: 'NHWC',
      },
    ); // [1, KH, KW·Ci, Co]
    return s.release(s.reshape(dW, filterShape));
  });
}

/**
 * Stride-1 dW with x as the (packed) filter and dy as the (streamed) input:
 *
 *   dW[KH−1−p, KW−1−q, ci, co] = Σ_{n, i, j} dyᵀ[co, p + i − (KH−1), q + j − (KW−1), n] · xpadᵀ[i, j, n, ci]
 *
 * i.e. conv2d(dyᵀ [Co, Ho, Wo, N] zero-padded by KH−1 / KW−1, xpadᵀ [Hp, Wp, N, Ci]) → [Co, KH, KW, Ci],
 * spatially flipped and transposed on the JS side (it is filter-sized).
 */
function swappedBackpropFilter(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  padInfo: tf.backend_util.PadInfo,
): TensorInfo {
  const [kh, kw, ci, co] = filterShape;
  const [n, ho, wo] = dy.shape as [number, number, number, number];
  return withScratch(backend, (s) => {
    // The forward pass read xpad rows [0, Ho + KH − 1): crop or pad x to exactly that.
    const padded = padOrCrop(s, x, padInfo.top, ho + kh - 1, padInfo.left, wo + kw - 1); // [N, Hp, Wp, Ci]
    const [, hp, wp] = padded.shape as [number, number, number, number];
    const filter = s.reshape(s.transpose(s.reshape(padded, [n, hp * wp, ci]), [1, 0, 2]), [hp, wp, n, ci]); // [Hp, Wp, N, Ci]
    // dy → [Co, Ho, Wo, N] in three transposes that each move contiguous runs or small blocks.
    const pixelsMajor = s.transpose(s.reshape(dy, [n, ho * wo, co]), [1, 0, 2]); // [Ho·Wo, N, Co]
    const channelsInner = s.transpose(pixelsMajor, [0, 2, 1]); // [Ho·Wo, Co, N]
    const image = s.reshape(s.transpose(channelsInner, [1, 0, 2]), [co, ho, wo, n]); // [Co, Ho, Wo, N]
    const flipped = s.run(
      'Conv2D',
      { x: image, filter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [kh - 1, kh - 1],
          [kw - 1, kw - 1],
          [0, 0],
        ],
        dilations: [1, 1],
        dataFormat: 'NHWC',
      },
    ); // [Co, KH, KW, Ci], spatially flipped
    const values = heapF32(backend, flipped);
    const dW = new Float32Array(kh * kw * ci * co);
    for (let o = 0; o < co; o++) {
      for (let p = 0; p < kh; p++) {
        for (let q = 0; q < kw; q++) {
          for (let c = 0; c < ci; c++) {
            dW[(((kh - 1 - p) * kw + (kw - 1 - q)) * ci + c) * co + o] = values[((o * kh + p) * kw + q) * ci + c]!;
          }
        }
      }
    }
    return backend.makeOutput(filterShape, 'float32', undefined, dW);
  });
}

/**
 * Images whose x and dy conv_filter_grad streams together through every tile of dW: as many as fit
 * BLOCK_BYTES (well inside a core's L2), at least 1, at most 8 (more gained nothing on 4×4 maps).
 */
const BLOCK_BYTES = 192 * 1024;

export function imagesPerBlock(floatsPerImage: number): number {
  return Math.max(1, Math.min(8, Math.floor(BLOCK_BYTES / (4 * floatsPerImage))));
}

/** dW on our SIMD loops: each thread sums its share of the images into its own float64 [KH, KW, Ci, Co]. */
function nativeBackpropFilter(
  backend: WasmBackend,
  native: NativeKernels,
  kernel: 'conv_filter_grad_small' | 'conv_filter_grad',
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const size = filterHeight * filterWidth * inChannels * outChannels;
  const parts = native.parts;
  const acc = backend.makeOutput([parts * size * 2], 'float32'); // float64 [parts, KH, KW, Ci, Co]
  const dW = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  try {
    native.f64(acc).fill(0);
    const args = [native.pointer(x), native.pointer(dy), native.pointer(acc), inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo.top, padInfo.left];
    if (kernel === 'conv_filter_grad') args.push(imagesPerBlock(inHeight * inWidth * inChannels + outHeight * outWidth * outChannels));
    native.run(
      kernel,
      args,
      0,
      batchSize,
      { arg: 2, strideBytes: size * 8 },
    );
    const sums = native.f64(acc);
    const out = native.f32(dW);
    for (let i = 0; i < size; i++) {
      let total = 0;
      for (let p = 0; p < parts; p++) total += sums[p * size + i]!;
      out[i] = total;
    }
  } catch (error) {
    backend.disposeData(dW.dataId);
    throw error;
  } finally {
    backend.disposeData(acc.dataId);
  }
  return dW;
}

/** x [N, H, W, C] with `top`/`left` zero rows/columns added and then cut or zero-extended to height×width. */
function padOrCrop(s: Scratch, x: TensorInfo, top: number, height: number, left: number, width: number): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const bottom = height - top - h;
  const right = width - left - w;
  let out = x;
  if (bottom < 0 || right < 0) {
    out = s.run('Slice', { x }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(0, bottom), w + Math.min(0, right), c] });
  }
  if (top > 0 || left > 0 || bottom > 0 || right > 0) {
    out = s.run(
      'PadV2',
      { x: out },
      {
        paddings: [
          [0, 0],
          [top, Math.max(0, bottom)],
          [left, Math.max(0, right)],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
  }
  return out;
}

export function registerConv2DBackpropFilter(): void {
  addWasmKernel({
    kernelName: 'Conv2DBackpropFilter',
    kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
  });
}
