/**
 * UnsortedSegmentSum for the wasm backend (missing in tfjs-backend-wasm 4.22). It is the gradient
 * of GatherV2, i.e. of every embedding lookup of the text models:
 *
 *   out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]
 *
 * `segmentIds` covers the leading axes of `x`; ids outside [0, numSegments) are dropped, as in
 * TensorFlow. A single pass on the JS side: each id adds one contiguous row of x into one row of out.
 */
import type { tf } from '../../tf';
import { addWasmKernel, sizeOf, type TensorInfo, type WasmBackend } from './kernel-utils';

export function unsortedSegmentSum(args: {
  inputs: { x?: TensorInfo; segmentIds?: TensorInfo };
  backend: WasmBackend;
  attrs: { numSegments: number };
}): TensorInfo {
  const { x, segmentIds } = args.inputs;
  if (x === undefined || segmentIds === undefined) throw new Error('UnsortedSegmentSum needs inputs x and segmentIds');
  const { numSegments } = args.attrs;
  const backend = args.backend;
  const idRank = segmentIds.shape.length;
  if (x.shape.slice(0, idRank).join(',') !== segmentIds.shape.join(',')) {
    throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape.join(', ')}] must be a prefix of x shape [${x.shape.join(', ')}]`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
  const rowShape = x.shape.slice(idRank);
  const row = sizeOf(rowShape);
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  // Views are taken after makeOutput: an allocation may grow (and so replace) the heap buffer.
  const values = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const sums = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * row;
    const to = segment * row;
    for (let k = 0; k < row; k++) sums[to + k] = sums[to + k]! + values[from + k]!;
  }
  return out;
}

export function registerUnsortedSegmentSum(): void {
  addWasmKernel({ kernelName: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
}
