/**
 * Training kernels for the wasm backend, registered at run time through tfjs' kernel registry
 * (node_modules stay untouched). See each module for what it replaces and why.
 */
import { registerMatMulKernels } from './batch-mat-mul';
import { registerBatchNormReluKernels } from './batch-norm-relu';
import { registerConv2DKernel } from './conv2d';
import { registerConv2DBackpropFilter } from './conv2d-backprop-filter';
import { registerConv2DBackpropInput } from './conv2d-backprop-input';
import { registerDepthwiseConv2dGrads } from './depthwise-conv2d-grads';
import { registerIdentityKernels } from './identity';
import { registerSliceKernels } from './slice';
import { registerSumKernel } from './sum';
import { registerUnsortedSegmentSum } from './unsorted-segment-sum';

let registered = false;

/** Registers the training kernels the wasm backend lacks or runs slowly. Idempotent. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registerIdentityKernels();
  registerSliceKernels();
  registerMatMulKernels();
  registerConv2DKernel();
  registerConv2DBackpropFilter();
  registerConv2DBackpropInput();
  registerDepthwiseConv2dGrads();
  registerUnsortedSegmentSum();
  registerSumKernel();
  registerBatchNormReluKernels();
  registered = true;
}
