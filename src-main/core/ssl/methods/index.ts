import { byol } from './byol';
import { clear } from './clear';
import { cpc } from './cpc';
import { GENERATIVE_METHODS } from './generative-methods';
import { maskedLm } from './masked-lm';
import { mfcc } from './mfcc';
import { moco } from './moco';
import { nextToken } from './next-token';
import { rawPixels } from './raw-pixels';
import { rotation } from './rotation';
import { simclr } from './simclr';
import { simcse } from './simcse';
import { tfidf } from './tfidf';
import type { Modality } from '../../../contract';
import { WhitenedMethod } from '../whitening';
import type { MethodSetup, SslMethod, TrainableMethod } from './types';

/** Every self-supervised method Pretext can train. Add a method: one file in this folder, one line here. */
export const METHODS: readonly SslMethod[] = [simclr, moco, byol, rotation, ...GENERATIVE_METHODS, rawPixels, simcse, clear, maskedLm, nextToken, tfidf, mfcc, cpc];

/**
 * The method a run gets when none is named: the first registered one (SimCLR for images) of the
 * modality the dataset holds most items of.
 */
export function defaultMethodFor(counts: Partial<Record<Modality, number>>): SslMethod {
  const ranked = (Object.entries(counts) as [Modality, number][]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  for (const [modality] of ranked) {
    const method = METHODS.find((m) => m.modalities.includes(modality));
    if (method) return method;
  }
  return METHODS[0]!;
}

/**
 * A run's method as every path builds it (training, extraction, search by file, a new folder): the
 * method's own, with its embedding whitened (../whitening.ts) when the run's `whiten` parameter is on.
 * Runs stored before that parameter existed have no value for it and are not whitened.
 */
export function createMethod(definition: SslMethod, setup: MethodSetup): TrainableMethod {
  const method = definition.create(setup);
  return definition.trains && setup.params.whiten === true ? new WhitenedMethod(method) : method;
}

export function getMethod(id: string): SslMethod {
  const method = METHODS.find((m) => m.id === id);
  if (!method) throw new RangeError(`Unknown method '${id}'; available: ${METHODS.map((m) => m.id).join(', ')}`);
  return method;
}

export type { LossParts, MethodSetup, SslMethod, StepContext, TrainableMethod } from './types';
