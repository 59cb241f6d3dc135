import { byol } from './byol';
import { GENERATIVE_METHODS } from './generative-methods';
import { moco } from './moco';
import { rawPixels } from './raw-pixels';
import { rotation } from './rotation';
import { simclr } from './simclr';
import { tfidf } from './tfidf';
import type { SslMethod } from './types';

/** Every self-supervised method Pretext can train. Add a method: one file in this folder, one line here. */
export const METHODS: readonly SslMethod[] = [simclr, moco, byol, rotation, ...GENERATIVE_METHODS, rawPixels, tfidf];

export function getMethod(id: string): SslMethod {
  const method = METHODS.find((m) => m.id === id);
  if (!method) throw new RangeError(`Unknown method '${id}'; available: ${METHODS.map((m) => m.id).join(', ')}`);
  return method;
}

export type { LossParts, MethodSetup, SslMethod, StepContext, TrainableMethod } from './types';
