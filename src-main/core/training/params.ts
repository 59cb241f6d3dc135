/**
 * A method's complete parameter list, from three places: the training loop's (if the method trains),
 * its modality's data (image size), and its own. The form, the CLI and validation use these lists.
 */
import type { InputSpec, MethodInfo, Modality, ParamSpec, ParamValues } from '../../contract';
import { dataFor } from '../data';
import { resolveParams } from '../params';
import { getMethod, METHODS, type SslMethod } from '../ssl/methods';
import { readRunConfig, TRAINING_DEFAULTS_HELP, TRAINING_PARAMS, trainingDefaults, type RunConfig } from './config';

/** What a baseline still takes from the loop: the seed and the evaluation settings. */
const BASELINE_TRAINING = new Set(['seed', 'evalFraction', 'evalItems']);

/**
 * @param modality only the settings that apply to runs of this modality (those not marked with
 *   `modalities`, and those marked with it); all of them when omitted
 */
export function paramsOf(method: SslMethod, modality?: Modality): ParamSpec[] {
  const training = method.trains ? TRAINING_PARAMS : TRAINING_PARAMS.filter((p) => BASELINE_TRAINING.has(p.name));
  // The data settings of every modality the method trains on, each marked with its modality.
  const data: ParamSpec[] = [];
  for (const modality of method.modalities) {
    for (const p of dataFor(modality).params) if (!data.some((d) => d.name === p.name)) data.push({ ...p, modalities: [modality] });
  }
  const fromData: Readonly<Record<string, string>> = { ...(method.trains ? TRAINING_DEFAULTS_HELP : {}), ...method.defaultsHelp };
  const all = [...training, ...data, ...method.params].map((p) => (fromData[p.name] ? { ...p, fromData: fromData[p.name] } : p));
  return modality === undefined ? all : all.filter((p) => !p.modalities || p.modalities.includes(modality));
}

export function methodInfo(method: SslMethod): MethodInfo {
  return {
    id: method.id,
    name: method.name,
    family: method.family,
    description: method.description,
    modalities: [...method.modalities],
    trains: method.trains,
    params: paramsOf(method),
  };
}

export function methodCatalogue(): MethodInfo[] {
  return METHODS.map(methodInfo);
}

/** Checks the values a user gave (names, types, ranges) before a run is created; returns them. */
export function checkGiven(method: SslMethod, given: ParamValues = {}): ParamValues {
  resolveParams(paramsOf(method), given);
  return { ...given };
}

/**
 * Every value for a run once its input is known: the user's, then the defaults that follow the data's
 * shape (the method's from the input spec, the loop's from the number of items), then the specs'.
 * With a spec, only the settings of its modality: a given value of another's (image crops on a text
 * run, a copied run's settings) is left out, as the form hides it.
 */
export function resolveRunParams(method: SslMethod, given: ParamValues, spec: InputSpec | null, items?: number): ParamValues {
  const fromShape: ParamValues = {
    ...(method.trains && items !== undefined ? trainingDefaults(items, spec?.modality) : {}),
    ...(spec && method.defaults ? method.defaults(spec) : {}),
  };
  if (!spec) return resolveParams(paramsOf(method), given, fromShape);
  checkGiven(method, given);
  const specs = paramsOf(method, spec.modality);
  const applies = new Set(specs.map((p) => p.name));
  return resolveParams(specs, Object.fromEntries(Object.entries(given).filter(([name]) => applies.has(name))), fromShape);
}

/** A stored run config read in today's shape (0.1 runs included). */
export function runConfigOf(stored: Record<string, unknown>): RunConfig {
  return readRunConfig(stored, (id) => {
    try {
      return getMethod(id).legacy ?? {};
    } catch {
      return {};
    }
  });
}

/** A run's parameters: resolved at training start, or (before) the given ones over the static defaults. */
export function runParamsOf(config: RunConfig): ParamValues {
  if (config.params) return config.params;
  try {
    return resolveRunParams(getMethod(config.method), config.given, null);
  } catch {
    return { ...config.given };
  }
}
