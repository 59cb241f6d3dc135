/**
 * Checkpoint files: everything needed to continue a run exactly where an epoch ended — every state
 * variable of the method (weights, batch-norm statistics, optimiser moments), the optimiser step and
 * the random generator's state. Layout: 8-byte magic, u32 header length, JSON header, then the
 * tensors' float32 data back to back. Written to a temporary file and renamed, so a crash never
 * leaves half a checkpoint.
 */
import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { InputSpec } from '../../contract';
import { tf } from '../engine/backend';

const MAGIC = 'PRTXCKP1';

export interface CheckpointMeta {
  runId: number;
  epoch: number;
  step: number;
  optimizerStep: number;
  rngState: number[];
  /** The input the encoder was built for (absent in checkpoints of Pretext 0.1). */
  inputSpec?: InputSpec;
  /** The method's non-tensor state (TrainableMethod.extraState). */
  extra?: unknown;
}

interface Header extends CheckpointMeta {
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

/** Writes a checkpoint, reading the variables synchronously (cpu, wasm, native TensorFlow). */
export function saveCheckpoint(path: string, meta: CheckpointMeta, variables: { name: string; variable: tf.Variable }[]): number {
  return writeCheckpoint(path, meta, variables, variables.map(({ variable }) => variable.dataSync() as Float32Array));
}

/** Writes a checkpoint on any backend: webgpu's tensors can only be read asynchronously. */
export async function saveCheckpointAsync(path: string, meta: CheckpointMeta, variables: { name: string; variable: tf.Variable }[]): Promise<number> {
  const values = await Promise.all(variables.map(({ variable }) => variable.data() as Promise<Float32Array>));
  return writeCheckpoint(path, meta, variables, values);
}

function writeCheckpoint(path: string, meta: CheckpointMeta, variables: { name: string; variable: tf.Variable }[], values: Float32Array[]): number {
  const tensors: Header['tensors'] = [];
  let offset = 0;
  for (const { name, variable } of variables) {
    tensors.push({ name, shape: variable.shape, offset, length: variable.size });
    offset += variable.size;
  }
  const header = Buffer.from(JSON.stringify({ ...meta, tensors } satisfies Header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.length, 8);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    bytes += writeSync(fd, prefix);
    bytes += writeSync(fd, header);
    for (const data of values) bytes += writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return bytes;
}

/** Restores the variables in place (matched by name and shape) and returns the saved meta. */
export function loadCheckpoint(path: string, variables: { name: string; variable: tf.Variable }[]): CheckpointMeta {
  const buffer = readFileSync(path);
  if (buffer.length < 12 || buffer.toString('ascii', 0, 8) !== MAGIC) throw new Error(`${path} is not a Pretext checkpoint`);
  const headerLength = buffer.readUInt32LE(8);
  const header = JSON.parse(buffer.toString('utf8', 12, 12 + headerLength)) as Header;
  const dataStart = 12 + headerLength;
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  for (const { name, variable } of variables) {
    const saved = byName.get(name);
    if (!saved) throw new Error(`checkpoint ${path} has no tensor '${name}'`);
    if (saved.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(`checkpoint tensor '${name}' has shape [${saved.shape}], the model expects [${variable.shape}]`);
    }
    const start = dataStart + saved.offset * 4;
    const values = new Float32Array(buffer.buffer.slice(buffer.byteOffset + start, buffer.byteOffset + start + saved.length * 4));
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
  const { tensors: _tensors, ...meta } = header;
  return meta;
}
