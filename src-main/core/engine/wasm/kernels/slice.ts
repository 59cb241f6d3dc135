/**
 * Slice and SplitV for the wasm backend. The package's Slice first copies the WHOLE input out of
 * the wasm heap (`readSync`) and then copies the slice from that copy, so slicing a few rows of a
 * 50 MB activation costs 50 MB of copying; SplitV calls it once per piece. Here the slice is copied
 * straight from heap to heap, in runs as long as the slice's contiguous inner block.
 */
import { tf } from '../../tf';
import { overrideWasmKernel, type TensorInfo, type WasmBackend } from './kernel-utils';

/** Copies `x[begin : begin + size]` (any rank, any dtype with a typed-array view) into `out`. */
function copySlice(
  src: tf.backend_util.TypedArray,
  dst: tf.backend_util.TypedArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return;
  }
  const strides = tf.util.computeStrides(shape as number[]);
  strides.push(1);
  // The innermost axes the slice covers completely, plus the next one, form one contiguous run.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--;
  const run = size[inner]! * strides[inner]!;
  const outer = size.slice(0, inner);
  const outerCount = outer.reduce((p, d) => p * d, 1);
  const index = new Array<number>(inner).fill(0);
  let dstOffset = 0;
  for (let i = 0; i < outerCount; i++) {
    let srcOffset = begin[inner]! * strides[inner]!;
    for (let d = 0; d < inner; d++) srcOffset += (begin[d]! + index[d]!) * strides[d]!;
    if (run >= 16) {
      dst.set(src.subarray(srcOffset, srcOffset + run), dstOffset);
    } else {
      for (let k = 0; k < run; k++) dst[dstOffset + k] = src[srcOffset + k]!;
    }
    dstOffset += run;
    for (let d = inner - 1; d >= 0; d--) {
      if (++index[d]! < outer[d]!) break;
      index[d] = 0;
    }
  }
}

export function slice(args: { inputs: { x?: TensorInfo }; backend: WasmBackend; attrs: { begin: number | number[]; size: number | number[] } }): TensorInfo {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Slice needs input x');
  const backend = args.backend;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs.begin, args.attrs.size) as [number[], number[]];
  tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
  if (x.dtype === 'string') throw new Error('wasm Slice does not support string tensors');
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) > 0) {
    copySlice(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out), x.shape, begin, size);
  }
  return out;
}

export function splitV(args: { inputs: { x?: TensorInfo }; backend: WasmBackend; attrs: { numOrSizeSplits: number | number[]; axis: number | number[] } }): TensorInfo[] {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('SplitV needs input x');
  const axis = tf.util.parseAxisParam(args.attrs.axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, args.attrs.numOrSizeSplits, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((piece) => {
    const size = [...x.shape];
    size[axis] = piece;
    const out = slice({ inputs: { x }, backend: args.backend, attrs: { begin: [...begin], size } });
    begin[axis]! += piece;
    return out;
  });
}

export function registerSliceKernels(): void {
  overrideWasmKernel({ kernelName: 'Slice', kernelFunc: slice as unknown as tf.KernelFunc });
  overrideWasmKernel({ kernelName: 'SplitV', kernelFunc: splitV as unknown as tf.KernelFunc });
}
