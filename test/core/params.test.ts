import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../src-main/contract';
import { parseParamAssignments, parseParamText, resolveParams } from '../../src-main/core/params';

const specs: ParamSpec[] = [
  { name: 'temperature', label: 'T', type: 'number', default: 0.2, min: 0.01, max: 10, help: 'h', scope: 'method' },
  { name: 'size', label: 'S', type: 'integer', default: 0, min: 8, max: 256, auto: { value: 0, label: 'Auto' }, help: 'h', scope: 'data' },
  { name: 'norm', label: 'N', type: 'boolean', default: true, help: 'h', scope: 'method' },
  { name: 'loss', label: 'L', type: 'choice', default: 'mse', choices: ['mse', 'bce'], help: 'h', scope: 'method' },
];

describe('parameters', () => {
  it('resolve with defaults and check each value', () => {
    expect(resolveParams(specs, {})).toEqual({ temperature: 0.2, size: 0, norm: true, loss: 'mse' });
    expect(resolveParams(specs, { size: 32 }, { temperature: 0.5 })).toMatchObject({ size: 32, temperature: 0.5 });
    expect(() => resolveParams(specs, { loss: 'l1' })).toThrow("loss must be one of mse, bce, got 'l1'");
    expect(() => resolveParams(specs, { size: 7 })).toThrow('size must be an integer in 8..256, or 0 for auto, got 7');
    expect(() => resolveParams(specs, { size: 8.5 })).toThrow(/size must be an integer/);
  });

  it('parse command-line assignments by their spec', () => {
    expect(parseParamAssignments(specs, ['temperature=0.5', 'norm=false', 'loss=bce', 'size=1e1'])).toEqual({ temperature: 0.5, norm: false, loss: 'bce', size: 10 });
    expect(() => parseParamAssignments(specs, ['temperature=-1'])).toThrow('temperature must be a number in 0.01..10, got -1');
    expect(() => parseParamAssignments(specs, ['temperature'])).toThrow("--param takes name=value, got 'temperature'");
    expect(() => parseParamAssignments(specs, ['tau=1'])).toThrow("Unknown parameter 'tau'; this method takes: temperature, size, norm, loss");
    expect(() => parseParamText(specs[0]!, 'abc')).toThrow("temperature must be a number in 0.01..10, got 'abc'");
  });
});
