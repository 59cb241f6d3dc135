/**
 * Gradients of DepthwiseConv2dNative for the wasm backend (both missing in tfjs-backend-wasm 4.22),
 * built on XNNPACK depthwise convolution, pooling and elementwise kernels.
 *
 * Forward, with filter W [KH, KW, C, M] (M = channel multiplier):
 *   y[n, ho, wo, c·M + q] = Σ_{kh, kw} x[n, ho·s + kh·d − pt, wo·s + kw·d − pl, c] · W[kh, kw, c, q]
 */
import { tf } from '../../tf';
import { addWasmKernel, assertNhwc, heapF32, type TensorInfo, type WasmBackend, withScratch } from './kernel-utils';
import { channelSums } from './reductions';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface DepthwiseGradAttrs {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
}

function convInfo(xShape: number[], filterShape: number[], attrs: DepthwiseGradAttrs): tf.backend_util.Conv2DInfo {
  assertNhwc('depthwise conv gradient', attrs.dataFormat);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
}

export function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy?: TensorInfo; filter?: TensorInfo };
  backend: WasmBackend;
  attrs: DepthwiseGradAttrs & { inputShape: [number, number, number, number] };
}): TensorInfo {
  const { dy, filter } = args.inputs;
  if (dy === undefined || filter === undefined) throw new Error('DepthwiseConv2dNativeBackpropInput needs inputs dy and filter');
  const backend = args.backend;
  const info = convInfo(args.attrs.inputShape, filter.shape, args.attrs);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const [kh, kw, , multiplier] = filter.shape as [number, number, number, number];

  return withScratch(backend, (s) => {
    // 1. Zero-dilate dy by the stride: [N, Ho, 1, Wo, 1, C·M] padded to [N, Ho, sh, Wo, sw, C·M].
    let spread = dy;
    if (strideHeight > 1 || strideWidth > 1) {
      const expanded = s.reshape(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
      const padded = s.run(
        'PadV2',
        { x: expanded },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, strideHeight - 1],
            [0, 0],
            [0, strideWidth - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      spread = s.reshape(padded, [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels]);
    }
    // 2. Correlate with the spatially flipped filter: dx[h] = Σ_k spread[h + pt − k·d] W[k].
    const w = heapF32(backend, filter);
    const flipped = new Float32Array(w.length);
    const perTap = inChannels * multiplier;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const from = (i * kw + j) * perTap;
        const to = ((kh - 1 - i) * kw + (kw - 1 - j)) * perTap;
        flipped.set(w.subarray(from, from + perTap), to);
      }
    }
    const flippedFilter = s.constant([kh, kw, outChannels, 1], flipped); // [KH, KW, C·M, 1]
    const spanH = (kh - 1) * dilationHeight;
    const spanW = (kw - 1) * dilationWidth;
    const padTop = spanH - padInfo.top;
    const padLeft = spanW - padInfo.left;
    const padBottom = inHeight + spanH - spread.shape[1]! - padTop;
    const padRight = inWidth + spanW - spread.shape[2]! - padLeft;
    if (padTop < 0 || padLeft < 0) throw new Error('DepthwiseConv2dNativeBackpropInput: padding larger than the filter span is not supported');
    let source = spread;
    if (padBottom < 0 || padRight < 0) {
      source = s.run('Slice', { x: spread }, { begin: [0, 0, 0, 0], size: [batchSize, spread.shape[1]! + Math.min(0, padBottom), spread.shape[2]! + Math.min(0, padRight), outChannels] });
    }
    const perOutputChannel = s.run(
      'DepthwiseConv2dNative',
      { x: source, filter: flippedFilter },
      {
        strides: [1, 1],
        dilations: [dilationHeight, dilationWidth],
        pad: [
          [0, 0],
          [padTop, Math.max(0, padBottom)],
          [padLeft, Math.max(0, padRight)],
          [0, 0],
        ],
      },
    ); // [N, H, W, C·M]
    if (multiplier === 1) return s.release(perOutputChannel);
    // 3. Sum the M output channels that came from each input channel (innermost axis: a fast Sum).
    const grouped = s.reshape(perOutputChannel, [batchSize, inHeight, inWidth, inChannels, multiplier]);
    return s.release(s.run('Sum', { x: grouped }, { axis: [4], keepDims: false }));
  });
}

export function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x?: TensorInfo; dy?: TensorInfo };
  backend: WasmBackend;
  attrs: DepthwiseGradAttrs & { filterShape: [number, number, number, number] };
}): TensorInfo {
  const { x, dy } = args.inputs;
  if (x === undefined || dy === undefined) throw new Error('DepthwiseConv2dNativeBackpropFilter needs inputs x and dy');
  const info = convInfo(x.shape, args.attrs.filterShape, args.attrs);
  const { batchSize, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const [kh, kw, , multiplier] = args.attrs.filterShape;

  return withScratch(args.backend, (s) => {
    // Zero-pad x once; each tap is then a strided window of it.
    const padded = s.run(
      'PadV2',
      { x },
      {
        paddings: [
          [0, 0],
          [padInfo.top, Math.max(0, padInfo.bottom)],
          [padInfo.left, Math.max(0, padInfo.right)],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    const pixels = batchSize * outHeight * outWidth;
    const dyGrouped = s.reshape(dy, [pixels, inChannels, multiplier]);
    const taps: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const window = s.run(
          'StridedSlice',
          { x: padded },
          {
            begin: [0, i * dilationHeight, j * dilationWidth, 0],
            end: [batchSize, i * dilationHeight + (outHeight - 1) * strideHeight + 1, j * dilationWidth + (outWidth - 1) * strideWidth + 1, inChannels],
            strides: [1, strideHeight, strideWidth, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        ); // [N, Ho, Wo, C]
        const product = s.run('Multiply', { a: s.reshape(window, [pixels, inChannels, 1]), b: dyGrouped }); // [pixels, C, M]
        taps.push(channelSums(s, s.reshape(product, [batchSize, outHeight, outWidth, outChannels]))); // [C·M]
      }
    }
    const stacked = s.run('Pack', taps as unknown as Record<string, TensorInfo>, { axis: 0 }); // [KH·KW, C·M]
    return s.release(s.reshape(stacked, [kh, kw, inChannels, multiplier]));
  });
}

export function registerDepthwiseConv2dGrads(): void {
  addWasmKernel({ kernelName: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc });
  addWasmKernel({ kernelName: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc });
}
