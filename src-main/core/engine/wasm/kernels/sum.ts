/**
 * Sum over leading axes for the wasm backend: every bias gradient of a dense layer (Σ over the rows
 * of dy [B·L, F]) and the layer-norm scale and offset gradients of the text encoders.
 *
 * The package's Sum over non-innermost axes transposes the whole tensor first and then reduces the
 * innermost axis: 13 ms for [4096, 512] on one core. Viewed as an NHWC image [1, R, 1, C], the same
 * column sums are XNNPACK average pooling times R: 1.3 ms. XNNPACK accumulates a window in float32
 * one row after another, so a single R×1 window loses ~R·ε (8e-5 absolute on 4096 rows of ±1, 25×
 * the cpu backend's error); when R = q·p with p ≥ 8 we pool the p rows of each block first and then
 * the q block means, which keeps the error near (p + q)·ε. Other reductions (innermost axes, all
 * axes, int32) keep the package's kernel.
 */
import { tf } from '../../tf';
import { overrideWasmKernel, runStockKernel, sizeOf, type TensorInfo, type WasmBackend, withScratch } from './kernel-utils';

export function sum(args: { inputs: { x?: TensorInfo }; backend: WasmBackend; attrs: { axis: number | number[]; keepDims: boolean } }): TensorInfo {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Sum needs input x');
  const axes = tf.util.parseAxisParam(args.attrs.axis, x.shape).sort((p, q) => p - q);
  const leading = axes.every((axis, i) => axis === i);
  const rows = sizeOf(x.shape.slice(0, axes.length));
  const rowShape = x.shape.slice(axes.length);
  const columns = sizeOf(rowShape);
  if (x.dtype !== 'float32' || !leading || rows < 2 || rowShape.length === 0 || columns < 2) {
    return runStockKernel('Sum', args.backend, { x }, args.attrs);
  }
  const outShape = args.attrs.keepDims ? [...axes.map(() => 1), ...rowShape] : rowShape;
  const block = largestDivisorAtMostSqrt(rows);
  return withScratch(args.backend, (s) => {
    let image = s.reshape(x, [1, rows, 1, columns]); // [1, R, 1, C]
    if (block >= 8) {
      const blockMeans = s.run('AvgPool', { x: s.reshape(x, [1, rows / block, block, columns]) }, { filterSize: [1, block], strides: [1, block], pad: 'valid' }); // [1, R/p, 1, C]
      image = blockMeans;
    }
    const mean = s.run('AvgPool', { x: image }, { filterSize: [image.shape[1]!, 1], strides: [1, 1], pad: 'valid' }); // [1, 1, 1, C]
    const count = s.constant([], new Float32Array([rows]));
    const total = s.run('Multiply', { a: mean, b: count });
    return s.release(s.reshape(total, outShape));
  });
}

function largestDivisorAtMostSqrt(n: number): number {
  for (let p = Math.floor(Math.sqrt(n)); p > 1; p--) if (n % p === 0) return p;
  return 1;
}

export function registerSumKernel(): void {
  overrideWasmKernel({ kernelName: 'Sum', kernelFunc: sum as unknown as tf.KernelFunc });
}
