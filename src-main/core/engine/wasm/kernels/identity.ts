/**
 * Identity and same-dtype Cast for the wasm backend without a copy.
 *
 * The package's Identity copies the whole tensor, and tfjs calls it a lot during training: every
 * tensor a custom-gradient op saves for its backward pass is cloned through Identity, and so is
 * every float32 → float32 cast in the gradients of ReLU, Step, etc. tfjs tensors are immutable, so
 * the output can share the input's buffer (reference counted), as the cpu and webgl backends do.
 */
import type { tf } from '../../tf';
import { overrideWasmKernel, runStockKernel, type TensorInfo, type WasmBackend } from './kernel-utils';

function share(backend: WasmBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function identity(args: { inputs: { x?: TensorInfo }; backend: WasmBackend }): TensorInfo {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Identity needs input x');
  if (x.dtype === 'string') return runStockKernel('Identity', args.backend, { x });
  return share(args.backend, x);
}

export function cast(args: { inputs: { x?: TensorInfo }; backend: WasmBackend; attrs: { dtype: tf.DataType } }): TensorInfo {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Cast needs input x');
  if (x.dtype !== args.attrs.dtype || x.dtype === 'string') return runStockKernel('Cast', args.backend, { x }, args.attrs);
  return share(args.backend, x);
}

export function registerIdentityKernels(): void {
  overrideWasmKernel({ kernelName: 'Identity', kernelFunc: identity as unknown as tf.KernelFunc });
  overrideWasmKernel({ kernelName: 'Cast', kernelFunc: cast as unknown as tf.KernelFunc });
}
