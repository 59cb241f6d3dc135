/**
 * Training-mode batch norm + ReLU (ops/batch-norm-relu.ts) as two wasm kernels of our own, on the
 * SIMD kernels of native/kernels.c and all the backend's threads: the forward pass reads the
 * pre-activation y twice (statistics, then the normalised output) and the backward pass reads dout
 * and y twice (the two per-channel sums, then dy). The ReLU mask is recomputed from y, so the
 * output need not be kept for the backward pass. The composed version costs ~13 passes, each a
 * single-threaded package kernel.
 *
 *   PretextBatchNormRelu     (y, gamma, beta; epsilon) → out, mean, variance, scale, shift, invStd
 *   PretextBatchNormReluGrad (dout, y, scale, shift, mean, invStd) → dy, dGamma, dBeta
 *
 * with scale = γ/√(σ² + ε) and shift = β − μ·scale (both [C]); see the op for the formulas.
 */
import type { tf } from '../../tf';
import { nativeKernels, nativeKernelsEnabled } from '../native/native-kernels';
import { addWasmKernel, type TensorInfo, type WasmBackend } from './kernel-utils';

export const BATCH_NORM_RELU = 'PretextBatchNormRelu';
export const BATCH_NORM_RELU_GRAD = 'PretextBatchNormReluGrad';

/** Whether the fused kernels can run a [N, H, W, C] tensor on the active backend (the SIMD loops need C % 4 = 0). */
export function batchNormReluKernelsApply(backendName: string, channels: number): boolean {
  return backendName === 'wasm' && channels % 4 === 0 && nativeKernelsEnabled();
}

function requireNative(backend: WasmBackend) {
  const native = nativeKernels(backend);
  if (native === null) throw new Error(`${BATCH_NORM_RELU}: the wasm backend's memory is not reachable`);
  return native;
}

function channelsOf(y: TensorInfo): { rows: number; c: number } {
  if (y.shape.length !== 4) throw new Error(`${BATCH_NORM_RELU}: expected y [N, H, W, C], got [${y.shape.join(', ')}]`);
  const c = y.shape[3]!;
  if (c % 4 !== 0) throw new Error(`${BATCH_NORM_RELU}: channels must be a multiple of 4, got ${c}`);
  return { rows: y.shape[0]! * y.shape[1]! * y.shape[2]!, c };
}

export function batchNormRelu(args: { inputs: { y?: TensorInfo; gamma?: TensorInfo; beta?: TensorInfo }; backend: WasmBackend; attrs: { epsilon: number } }): TensorInfo[] {
  const { y, gamma, beta } = args.inputs;
  if (y === undefined || gamma === undefined || beta === undefined) throw new Error(`${BATCH_NORM_RELU} needs inputs y, gamma and beta`);
  const backend = args.backend;
  const native = requireNative(backend);
  const { rows, c } = channelsOf(y);
  const parts = native.parts;
  const shiftK = backend.makeOutput([c], 'float32');
  const acc = backend.makeOutput([parts * 2 * c * 2], 'float32'); // float64 [parts, 2, C]
  const outputs = {
    out: backend.makeOutput([...y.shape], 'float32'),
    mean: backend.makeOutput([c], 'float32'),
    variance: backend.makeOutput([c], 'float32'),
    scale: backend.makeOutput([c], 'float32'),
    shift: backend.makeOutput([c], 'float32'),
    invStd: backend.makeOutput([c], 'float32'),
  };
  try {
    // Views are taken after the last allocation: an allocation may grow (and so replace) the heap.
    native.f32(shiftK).set(native.f32(y).subarray(0, c));
    native.f64(acc).fill(0);
    native.run('bn_stats', [native.pointer(y), c, native.pointer(shiftK), native.pointer(acc)], 0, rows, { arg: 3, strideBytes: 2 * c * 8 });
    const sums = native.f64(acc);
    const k = native.f32(shiftK);
    const g = native.f32(gamma);
    const bt = native.f32(beta);
    const [mean, variance, scale, shift, invStd] = [outputs.mean, outputs.variance, outputs.scale, outputs.shift, outputs.invStd].map((t) => native.f32(t)) as Float32Array[];
    for (let j = 0; j < c; j++) {
      let s = 0;
      let q = 0;
      for (let p = 0; p < parts; p++) {
        s += sums[p * 2 * c + j]!;
        q += sums[p * 2 * c + c + j]!;
      }
      const d = s / rows;
      const v = Math.max(0, q / rows - d * d);
      const mu = k[j]! + d;
      const inv = 1 / Math.sqrt(v + args.attrs.epsilon);
      mean![j] = mu;
      variance![j] = v;
      invStd![j] = inv;
      scale![j] = g[j]! * inv;
      shift![j] = bt[j]! - mu * scale![j]!;
    }
    native.run('bn_relu_apply', [native.pointer(y), c, native.pointer(outputs.scale), native.pointer(outputs.shift), native.pointer(outputs.out)], 0, rows);
  } catch (error) {
    for (const t of Object.values(outputs)) backend.disposeData(t.dataId);
    throw error;
  } finally {
    backend.disposeData(shiftK.dataId);
    backend.disposeData(acc.dataId);
  }
  return [outputs.out, outputs.mean, outputs.variance, outputs.scale, outputs.shift, outputs.invStd];
}

export function batchNormReluGrad(args: {
  inputs: { dout?: TensorInfo; y?: TensorInfo; scale?: TensorInfo; shift?: TensorInfo; mean?: TensorInfo; invStd?: TensorInfo };
  backend: WasmBackend;
}): TensorInfo[] {
  const { dout, y, scale, shift, mean, invStd } = args.inputs;
  if (dout === undefined || y === undefined || scale === undefined || shift === undefined || mean === undefined || invStd === undefined) {
    throw new Error(`${BATCH_NORM_RELU_GRAD} needs inputs dout, y, scale, shift, mean and invStd`);
  }
  const backend = args.backend;
  const native = requireNative(backend);
  const { rows, c } = channelsOf(y);
  const parts = native.parts;
  const acc = backend.makeOutput([parts * 2 * c * 2], 'float32'); // float64 [parts, 2, C]
  const coefficients = backend.makeOutput([2 * c], 'float32'); // y's and the constant's per channel
  const outputs = {
    dy: backend.makeOutput([...y.shape], 'float32'),
    dGamma: backend.makeOutput([c], 'float32'),
    dBeta: backend.makeOutput([c], 'float32'),
  };
  const [pDout, pY, pScale, pShift] = [dout, y, scale, shift].map((t) => native.pointer(t)) as number[];
  try {
    native.f64(acc).fill(0);
    native.run('bn_relu_grad_sums', [pDout!, pY!, c, pScale!, pShift!, native.pointer(mean), native.pointer(acc)], 0, rows, { arg: 6, strideBytes: 2 * c * 8 });
    const sums = native.f64(acc);
    const [mu, inv, s, coef, dGamma, dBeta] = [mean, invStd, scale, coefficients, outputs.dGamma, outputs.dBeta].map((t) => native.f32(t)) as Float32Array[];
    for (let j = 0; j < c; j++) {
      let sumDz = 0;
      let sumDzCentred = 0;
      for (let p = 0; p < parts; p++) {
        sumDz += sums[p * 2 * c + j]!;
        sumDzCentred += sums[p * 2 * c + c + j]!;
      }
      const dg = sumDzCentred * inv![j]!;
      // dy = s·(dz − dβ/M − x̂·dγ/M) = dz·s + y·b + cc,  b = −s·dγ·invStd/M,  cc = −b·μ − s·dβ/M
      const b = (-s![j]! * dg * inv![j]!) / rows;
      dGamma![j] = dg;
      dBeta![j] = sumDz;
      coef![j] = b;
      coef![c + j] = -b * mu![j]! - (s![j]! * sumDz) / rows;
    }
    const pCoef = native.pointer(coefficients);
    native.run('bn_relu_grad_apply', [pDout!, pY!, c, pScale!, pShift!, pScale!, pCoef, pCoef + 4 * c, native.pointer(outputs.dy)], 0, rows);
  } catch (error) {
    for (const t of Object.values(outputs)) backend.disposeData(t.dataId);
    throw error;
  } finally {
    backend.disposeData(acc.dataId);
    backend.disposeData(coefficients.dataId);
  }
  return [outputs.dy, outputs.dGamma, outputs.dBeta];
}

export function registerBatchNormReluKernels(): void {
  addWasmKernel({ kernelName: BATCH_NORM_RELU, kernelFunc: batchNormRelu as unknown as tf.KernelFunc });
  addWasmKernel({ kernelName: BATCH_NORM_RELU_GRAD, kernelFunc: batchNormReluGrad as unknown as tf.KernelFunc });
}
