/**
 * Conv2DBackpropInput for the wasm backend, replacing the package's scalar C++ loop with forward
 * convolutions on XNNPACK ("sub-pixel" convolution):
 *
 *   dx[n, h, w, ci] = Σ_{kh, kw, co : h = ho·sh + kh − pt, w = wo·sw + kw − pl} dy[n, ho, wo, co] · W[kh, kw, ci, co]
 *
 * Split dx by phase: h = sh·t + ph, w = sw·u + pw. Only taps kh = ph + pt − sh·m reach row phase ph,
 * from dy row t + m; likewise for columns. So each phase is a stride-1 correlation of dy with a small
 * flipped sub-filter, and no multiply is spent on the zeros a "dilate dy, then convolve" approach
 * would insert. We run one convolution per ROW phase, with that phase's exact row window and a
 * column window shared by all column phases, whose sw·Ci output channels are the column phases side
 * by side; stacking the row phases on a new axis 2 then IS the interleaved dx:
 *
 *   [N, T, sh, Tw, (sw, Ci)] = [N, sh·T, sw·Tw, Ci].
 *
 * For 3×3 stride 2 that is 12 multiply-adds per 9 useful ones (a single sub-pixel convolution with
 * a shared 2×2 window would spend 16, a zero-dilated dy 36). For stride 1 it is the usual
 * "convolve with the flipped, in/out-swapped filter".
 */
import { tf } from '../../tf';
import { type NativeKernels, nativeKernels } from '../native/native-kernels';
import { assertNhwc, heapF32, overrideWasmKernel, type Scratch, type TensorInfo, type WasmBackend, withScratch } from './kernel-utils';

interface Conv2DBackpropInputAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** A window of dy offsets m ∈ [mMin, mMin + size) along one axis (size 0: the phase gets no tap). */
export interface AxisWindow {
  mMin: number;
  size: number;
}

/** The dy offsets m whose tap k = phase + padStart − stride·m lies in [0, kernel). */
export function phaseWindow(kernel: number, stride: number, padStart: number, phase: number): AxisWindow {
  const lo = Math.ceil((phase + padStart - kernel + 1) / stride);
  const hi = Math.floor((phase + padStart) / stride);
  return { mMin: lo, size: Math.max(0, hi - lo + 1) };
}

/** The union of all phases' windows along one axis. */
export function sharedWindow(kernel: number, stride: number, padStart: number): AxisWindow {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let phase = 0; phase < stride; phase++) {
    const w = phaseWindow(kernel, stride, padStart, phase);
    if (w.size === 0) continue;
    lo = Math.min(lo, w.mMin);
    hi = Math.max(hi, w.mMin + w.size - 1);
  }
  return { mMin: lo, size: hi - lo + 1 };
}

/** Gather maps from a row phase's sub-filter [rows, cols, Co, sw·Ci] to W's flat index (−1 = zero tap). */
const gatherMaps = new Map<string, Int32Array>();

function subFilterGatherMap(
  filterShape: readonly number[],
  rowPhase: number,
  rows: AxisWindow,
  cols: AxisWindow,
  stride: [number, number],
  pads: [number, number],
): Int32Array {
  const key = `${filterShape.join(',')}|${rowPhase}|${rows.mMin},${rows.size}|${cols.mMin},${cols.size}|${stride.join(',')}|${pads.join(',')}`;
  const cached = gatherMaps.get(key);
  if (cached !== undefined) return cached;
  const [kh, kw, ci, co] = filterShape as [number, number, number, number];
  const [sh, sw] = stride;
  const [pt, pl] = pads;
  const map = new Int32Array(rows.size * cols.size * co * sw * ci).fill(-1);
  let out = 0;
  for (let i = 0; i < rows.size; i++) {
    const r = rowPhase + pt - sh * (i + rows.mMin);
    for (let j = 0; j < cols.size; j++) {
      for (let o = 0; o < co; o++) {
        for (let pw = 0; pw < sw; pw++) {
          const c = pw + pl - sw * (j + cols.mMin);
          const valid = r >= 0 && r < kh && c >= 0 && c < kw;
          for (let k = 0; k < ci; k++, out++) {
            if (valid) map[out] = ((r * kw + c) * ci + k) * co + o;
          }
        }
      }
    }
  }
  gatherMaps.set(key, map);
  return map;
}

/**
 * Correlates dy [N, Ho, Wo, Co] with `filter` [rows.size, cols.size, Co, F] so that output cell
 * (t, u) reads dy rows t + rows.mMin … and columns u + cols.mMin …, for t < cellsH, u < cellsW.
 * Dy rows outside [0, Ho) read as zero (padding), rows never read are cropped.
 * @returns [N, cellsH, cellsW, F]
 */
function windowedConv(s: Scratch, dy: TensorInfo, filter: TensorInfo, rows: AxisWindow, cols: AxisWindow, cellsH: number, cellsW: number): TensorInfo {
  const [n, ho, wo, co] = dy.shape as [number, number, number, number];
  const axis = (window: AxisWindow, cells: number, size: number) => {
    const before = -window.mMin;
    const after = cells + window.size - 1 - size - before;
    return { padBefore: Math.max(0, before), padAfter: Math.max(0, after), cropBefore: Math.max(0, -before), cropAfter: Math.max(0, -after) };
  };
  const r = axis(rows, cellsH, ho);
  const c = axis(cols, cellsW, wo);
  let input = dy;
  if (r.cropBefore + r.cropAfter + c.cropBefore + c.cropAfter > 0) {
    input = s.run('Slice', { x: dy }, { begin: [0, r.cropBefore, c.cropBefore, 0], size: [n, ho - r.cropBefore - r.cropAfter, wo - c.cropBefore - c.cropAfter, co] });
  }
  return s.run(
    'Conv2D',
    { x: input, filter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [r.padBefore, r.padAfter],
        [c.padBefore, c.padAfter],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
}

export function conv2DBackpropInput(args: {
  inputs: { dy?: TensorInfo; filter?: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { dy, filter } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  const backend = args.backend;
  if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs inputs dy and filter');
  assertNhwc('Conv2DBackpropInput', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const native = nativeKernels(backend);
  if (native !== null && inChannels % 8 === 0 && info.dilationHeight === 1 && info.dilationWidth === 1) {
    return nativeBackpropInput(backend, native, dy, filter, info);
  }
  const cellsH = Math.ceil(inHeight / sh);
  const cellsW = Math.ceil(inWidth / sw);
  const cols = sharedWindow(info.filterWidth, sw, padInfo.left);

  return withScratch(backend, (s) => {
    const rowPhases: TensorInfo[] = [];
    for (let ph = 0; ph < sh; ph++) {
      const rows = phaseWindow(info.filterHeight, sh, padInfo.top, ph);
      if (rows.size === 0) {
        // No tap reaches this row phase: those dx rows are zero.
        rowPhases.push(s.run('Fill', {}, { shape: [batchSize, cellsH, cellsW, sw * inChannels], value: 0, dtype: 'float32' }));
        continue;
      }
      // The row phase's sub-filter [rows, cols, Co, sw·Ci], gathered from W on the JS side (filters are small).
      const map = subFilterGatherMap(filter.shape, ph, rows, cols, [sh, sw], [padInfo.top, padInfo.left]);
      const values = new Float32Array(map.length);
      // A fresh view of W for each phase: the previous phase's convolution may have grown the wasm
      // heap, which detaches older views of unshared (single-threaded) memory, and a detached view
      // reads undefined, so dx was NaN (the VAE's 64×64×3 decoder on one thread).
      const w = heapF32(backend, filter);
      for (let i = 0; i < map.length; i++) {
        const from = map[i]!;
        if (from >= 0) values[i] = w[from]!;
      }
      const subFilter = s.constant([rows.size, cols.size, outChannels, sw * inChannels], values);
      rowPhases.push(windowedConv(s, dy, subFilter, rows, cols, cellsH, cellsW)); // [N, T, Tw, sw·Ci]
    }
    // Stacking row phases on axis 2 interleaves them: [N, T, sh, Tw, (sw, Ci)] = [N, sh·T, sw·Tw, Ci].
    const stacked = sh === 1 ? rowPhases[0]! : s.run('Pack', rowPhases as unknown as Record<string, TensorInfo>, { axis: 2 });
    let dx = s.reshape(stacked, [batchSize, sh * cellsH, sw * cellsW, inChannels]);
    if (sh * cellsH !== inHeight || sw * cellsW !== inWidth) {
      dx = s.run('Slice', { x: dx }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, inChannels] });
    }
    return s.release(dx);
  });
}

/** Gather map from one phase's sub-filter [rows, cols, Co, Ci] to W's flat index. */
function phaseFilterGatherMap(filterShape: readonly number[], phase: [number, number], rows: AxisWindow, cols: AxisWindow, stride: [number, number], pads: [number, number]): Int32Array {
  const key = `phase|${filterShape.join(',')}|${phase.join(',')}|${rows.mMin},${rows.size}|${cols.mMin},${cols.size}|${stride.join(',')}|${pads.join(',')}`;
  const cached = gatherMaps.get(key);
  if (cached !== undefined) return cached;
  const [kh, kw, ci, co] = filterShape as [number, number, number, number];
  const map = new Int32Array(rows.size * cols.size * co * ci);
  let out = 0;
  for (let i = 0; i < rows.size; i++) {
    const r = phase[0] + pads[0] - stride[0] * (i + rows.mMin);
    for (let j = 0; j < cols.size; j++) {
      const c = phase[1] + pads[1] - stride[1] * (j + cols.mMin);
      if (r < 0 || r >= kh || c < 0 || c >= kw) throw new Error(`Conv2DBackpropInput: tap (${r}, ${c}) outside the ${kh}×${kw} filter`);
      for (let o = 0; o < co; o++) {
        for (let k = 0; k < ci; k++, out++) map[out] = ((r * kw + c) * ci + k) * co + o;
      }
    }
  }
  gatherMaps.set(key, map);
  return map;
}

/**
 * dx on our direct convolution (native/kernels.c, conv_direct), one call per phase (ph, pw) with
 * that phase's exact sub-filter, writing its pixels of dx in place: no multiply on a zero tap, no
 * stacking or interleaving afterwards. Needs Ci % 8 = 0.
 */
function nativeBackpropInput(backend: WasmBackend, native: NativeKernels, dy: TensorInfo, filter: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
  const phases: { rows: AxisWindow; cols: AxisWindow; ph: number; pw: number; subFilter: TensorInfo }[] = [];
  const zero = backend.makeOutput([outChannels], 'float32');
  try {
    for (let ph = 0; ph < Math.min(sh, inHeight); ph++) {
      const rows = phaseWindow(info.filterHeight, sh, padInfo.top, ph);
      for (let pw = 0; pw < Math.min(sw, inWidth); pw++) {
        const cols = phaseWindow(info.filterWidth, sw, padInfo.left, pw);
        const size = Math.max(1, rows.size * cols.size * outChannels * inChannels);
        phases.push({ rows, cols, ph, pw, subFilter: backend.makeOutput([size], 'float32') });
      }
    }
    // Views after the last allocation (an allocation may grow the heap and detach older views).
    native.f32(zero).fill(0);
    const w = native.f32(filter);
    for (const { rows, cols, ph, pw, subFilter } of phases) {
      if (rows.size === 0 || cols.size === 0) continue;
      const map = phaseFilterGatherMap(filter.shape, [ph, pw], rows, cols, [sh, sw], [padInfo.top, padInfo.left]);
      const values = native.f32(subFilter);
      for (let i = 0; i < map.length; i++) values[i] = w[map[i]!]!;
    }
    for (const { rows, cols, ph, pw, subFilter } of phases) {
      const fh = cols.size === 0 ? 0 : rows.size; // no tap: the kernel writes zeros
      native.run(
        'conv_direct',
        [
          native.pointer(dy),
          native.pointer(subFilter),
          native.pointer(dx),
          native.pointer(zero),
          outHeight,
          outWidth,
          outChannels,
          Math.ceil((inHeight - ph) / sh),
          Math.ceil((inWidth - pw) / sw),
          inChannels,
          fh,
          cols.size,
          1,
          1,
          -rows.mMin,
          -cols.mMin,
          inHeight,
          inWidth,
          sh,
          ph,
          sw,
          pw,
        ],
        0,
        batchSize,
      );
    }
  } catch (error) {
    backend.disposeData(dx.dataId);
    throw error;
  } finally {
    backend.disposeData(zero.dataId);
    for (const { subFilter } of phases) backend.disposeData(subFilter.dataId);
  }
  return dx;
}

export function registerConv2DBackpropInput(): void {
  overrideWasmKernel({
    kernelName: 'Conv2DBackpropInput',
    kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
  });
}
