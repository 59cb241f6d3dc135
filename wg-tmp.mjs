import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const a = await gpu.requestAdapter();
console.log(a && a.info, a && a.isFallbackAdapter, a && a.limits.maxStorageBufferBindingSize, a && a.limits.maxBufferSize);
process.exit(0);
