/**
 * Shared by the MoCo and BYOL tests: tiny images, a step context, and a checkpoint round trip into a
 * fresh instance, the way the training loop resumes a run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageInputSpec, ParamValues } from '../../../../src-main/contract';
import type { ImageData } from '../../../../src-main/core/data/image';
import type { tf } from '../../../../src-main/core/engine/backend';
import type { SslMethod, StepContext, TrainableMethod } from '../../../../src-main/core/ssl/methods';
import { Rng } from '../../../../src-main/core/ssl/random';
import { loadCheckpoint, saveCheckpoint } from '../../../../src-main/core/training/checkpoint';
import { resolveRunParams } from '../../../../src-main/core/training/params';

/** `n` 8×8 greyscale images of noisy stripes, two orientations. */
export function tinyImages(n = 16): ImageData {
  const spec: ImageInputSpec = { modality: 'image', size: 8, channels: 1, scale: '0-1' };
  const pixels = new Uint8Array(n * 64);
  const rng = new Rng(5);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 64; p++) {
      const stripe = i % 2 === 0 ? Math.floor(p / 8) % 3 === 0 : p % 3 === 0;
      pixels[i * 64 + p] = Math.round((stripe ? 200 : 40) + rng.uniform(-20, 20));
    }
  }
  return { modality: 'image', spec, itemIds: Array.from({ length: n }, (_, i) => i + 1), labels: Array.from({ length: n }, () => null), failures: [], size: 8, channels: 1, pixels };
}

export function paramsFor(method: SslMethod, data: ImageData, given: ParamValues = {}): ParamValues {
  return resolveRunParams(method, { projectionDim: 8, ...given }, data.spec, data.itemIds.length);
}

export function contextAt(step: number, rng: Rng, totalSteps = 20): StepContext {
  return { step, totalSteps, epoch: 1, epochs: 1, learningRate: 1e-2, rng };
}

/** Every state variable's values, by name. */
export function snapshot(method: TrainableMethod): Map<string, Float32Array> {
  return new Map(method.stateVariables().map(({ name, variable }) => [name, (variable as tf.Tensor).dataSync().slice() as Float32Array]));
}

export function variableNamed(method: TrainableMethod, name: string): tf.Variable {
  const found = method.stateVariables().find((v) => v.name === name);
  if (!found) throw new Error(`no state variable ${name}`);
  return found.variable;
}

const dir = mkdtempSync(join(tmpdir(), 'pretext-momentum-'));
let saved = 0;

/** Saves `method` and the generator, loads both into a fresh instance built with another seed, as a resume does. */
export function resumeInFresh(definition: SslMethod, method: TrainableMethod, data: ImageData, params: ParamValues, rng: Rng): { restored: TrainableMethod; rng: Rng } {
  const file = join(dir, `resume-${++saved}.ckpt`);
  saveCheckpoint(file, { runId: 1, epoch: 1, step: 0, optimizerStep: method.optimizerStep, rngState: rng.getState(), inputSpec: data.spec, extra: method.extraState?.() }, method.stateVariables());
  const restored = definition.create({ spec: data.spec, params, seed: 4242 });
  const meta = loadCheckpoint(file, restored.stateVariables());
  restored.optimizerStep = meta.optimizerStep;
  if (meta.extra !== undefined) restored.restoreExtraState?.(meta.extra);
  const restoredRng = new Rng(0);
  restoredRng.setState(meta.rngState);
  return { restored, rng: restoredRng };
}
