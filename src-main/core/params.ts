/**
 * Parameters declared once (ParamSpec, in the contract) and checked here, for every door: the
 * window's form, `pretext train --param name=value` and the API all end in resolveParams.
 */
import type { ParamSpec, ParamValue, ParamValues } from '../contract';

export class ParamError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

function rangeText(spec: ParamSpec): string {
  const range = `${spec.min ?? '−∞'}..${spec.max ?? '∞'}`;
  return spec.auto ? `${range}, or ${spec.auto.value} for ${spec.auto.label.toLowerCase()}` : range;
}

/** Checks one value against its spec; returns it (numbers as numbers) or throws a ParamError naming field, value and range. */
export function checkParam(spec: ParamSpec, value: unknown): ParamValue {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  switch (spec.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw new ParamError(`${spec.name} must be true or false, got ${shown}`);
      return value;
    case 'choice':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) {
        throw new ParamError(`${spec.name} must be one of ${spec.choices?.join(', ')}, got ${shown}`);
      }
      return value;
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ParamError(`${spec.name} must be ${spec.type === 'integer' ? 'an integer' : 'a number'} in ${rangeText(spec)}, got ${shown}`);
      }
      if (spec.auto && value === spec.auto.value) return value;
      if (spec.type === 'integer' && !Number.isInteger(value)) throw new ParamError(`${spec.name} must be an integer in ${rangeText(spec)}, got ${shown}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        throw new ParamError(`${spec.name} must be ${spec.type === 'integer' ? 'an integer' : 'a number'} in ${rangeText(spec)}, got ${shown}`);
      }
      return value;
    }
  }
}

/**
 * Every parameter's value: the given ones checked, the rest from `defaults` (data-dependent
 * defaults a method may supply) or the spec. Unknown names are refused, listing the known ones.
 */
export function resolveParams(specs: readonly ParamSpec[], given: ParamValues = {}, defaults: ParamValues = {}): ParamValues {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) throw new ParamError(`Unknown parameter '${name}'; this method takes: ${specs.map((s) => s.name).join(', ')}`);
  }
  const out: ParamValues = {};
  for (const spec of specs) {
    const value = given[spec.name] ?? defaults[spec.name] ?? spec.default;
    out[spec.name] = checkParam(spec, value);
  }
  return out;
}

/** A value typed on a command line ("0.2", "true", "cosine") → the spec's type; throws a ParamError when it is not one. */
export function parseParamText(spec: ParamSpec, text: string): ParamValue {
  const t = text.trim();
  if (spec.type === 'boolean') {
    if (/^(true|yes|on|1)$/i.test(t)) return true;
    if (/^(false|no|off|0)$/i.test(t)) return false;
    throw new ParamError(`${spec.name} must be true or false, got '${text}'`);
  }
  if (spec.type === 'choice') return t;
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n)) throw new ParamError(`${spec.name} must be ${spec.type === 'integer' ? 'an integer' : 'a number'} in ${rangeText(spec)}, got '${text}'`);
  return n;
}

/** `name=value` pairs from the command line → values, each parsed by its spec. */
export function parseParamAssignments(specs: readonly ParamSpec[], assignments: readonly string[]): ParamValues {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParamValues = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new ParamError(`--param takes name=value, got '${assignment}'`);
    const name = assignment.slice(0, eq).trim();
    const spec = byName.get(name);
    if (!spec) throw new ParamError(`Unknown parameter '${name}'; this method takes: ${specs.map((s) => s.name).join(', ')}`);
    out[name] = checkParam(spec, parseParamText(spec, assignment.slice(eq + 1)));
  }
  return out;
}
