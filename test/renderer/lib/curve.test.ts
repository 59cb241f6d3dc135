import { describe, expect, test } from 'vitest';
import { axisLabels, clampSmoothing, CurveBuffer, emaSmooth, formatShare, isAccuracyPart, logAxisLabels, logSplits } from '../../../src-renderer/src/lib/curve';
import { metric, metrics } from '../fixtures';

describe('emaSmooth', () => {
  test('weight 0 is the raw values', () => {
    expect([...emaSmooth([3, 1, 2], 0)]).toEqual([3, 1, 2]);
  });

  test('is debiased: the first value is not pulled towards zero', () => {
    const s = emaSmooth([4, 4, 4], 0.9);
    for (const v of s) expect(v).toBeCloseTo(4, 12);
  });

  test('follows TensorBoard’s formula', () => {
    const s = emaSmooth([1, 3], 0.5);
    // acc: 0.5, 0.25 + 1.5 = 1.75; norm: 0.5, 0.75
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(1.75 / 0.75, 12);
  });

  test('skips non-finite values', () => {
    const s = emaSmooth([2, Number.NaN, 2], 0.5);
    expect(s[1]).toBeCloseTo(2, 12);
    expect(s[2]).toBeCloseTo(2, 12);
  });

  test('clampSmoothing', () => {
    expect(clampSmoothing(-1)).toBe(0);
    expect(clampSmoothing(Number.NaN)).toBe(0);
    expect(clampSmoothing(0.5)).toBe(0.5);
    expect(clampSmoothing(1)).toBe(0.999);
  });
});

describe('CurveBuffer', () => {
  test('appends points and exposes views of the filled part', () => {
    const b = new CurveBuffer(0.5, 16);
    expect(b.append(metrics(1, 3))).toBe('appended');
    expect(b.length).toBe(3);
    const [x, loss, smooth] = b.columns();
    expect([...x]).toEqual([1, 2, 3]);
    expect([...loss]).toEqual([4.9, 4.8, 4.7].map((v) => expect.closeTo(v, 12)));
    expect([...smooth]).toEqual([...emaSmooth(loss, 0.5)]);
    expect(x.buffer).toBe(b.steps.buffer); // a view, not a copy
    expect(b.firstLoss).toBeCloseTo(4.9);
    expect(b.lastLoss).toBeCloseTo(4.7);
    expect(b.lastStep).toBe(3);
    expect(b.epochAt(2)).toBe(1);
    expect(b.epochAt(3)).toBeNull();
  });

  test('grows past its capacity, keeping every point', () => {
    const b = new CurveBuffer(0.9, 16);
    for (let s = 1; s <= 1000; s += 10) b.append(metrics(s, s + 9));
    expect(b.length).toBe(1000);
    expect(b.capacity).toBeGreaterThanOrEqual(1000);
    expect(b.steps[999]).toBe(1000);
    expect(b.smooth[999]).toBeCloseTo(emaSmooth(b.loss.subarray(0, 1000), 0.9)[999]!, 9);
  });

  test('an empty batch changes nothing', () => {
    const b = new CurveBuffer();
    expect(b.append([])).toBe('none');
    expect(b.lastStep).toBe(Number.NEGATIVE_INFINITY);
    expect(b.lastLoss).toBeNull();
  });

  test('points already held are replaced, never doubled (a load racing live events)', () => {
    const b = new CurveBuffer(0.5);
    b.append(metrics(1, 10));
    expect(b.append(metrics(8, 12))).toBe('rewound');
    expect([...b.columns()[0]]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect([...b.columns()[2]]).toEqual([...emaSmooth(b.columns()[1], 0.5)]);
  });

  test('a resume from a checkpoint cuts the curve back to it', () => {
    const b = new CurveBuffer(0.5);
    b.append(metrics(1, 10)); // cancelled mid-epoch at step 10; the checkpoint was at step 6
    b.append([metric(7, { loss: 1 }), metric(8, { loss: 1 })]);
    expect([...b.columns()[0]]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(b.lastLoss).toBe(1);
    expect([...b.columns()[2]]).toEqual([...emaSmooth(b.columns()[1], 0.5)]);
  });

  test('setSmoothing recomputes the line and later points continue from it', () => {
    const b = new CurveBuffer(0.5);
    b.append(metrics(1, 5));
    b.setSmoothing(0.9);
    expect(b.smoothing).toBe(0.9);
    b.append(metrics(6, 8));
    expect([...b.columns()[2]].map((v) => v.toFixed(9))).toEqual([...emaSmooth(b.columns()[1], 0.9)].map((v) => v.toFixed(9)));
  });

  test('minLoss follows appends and cuts', () => {
    const b = new CurveBuffer();
    expect(b.minLoss).toBe(Number.POSITIVE_INFINITY);
    b.append([metric(1, { loss: 3 }), metric(2, { loss: 1 }), metric(3, { loss: 2 })]);
    expect(b.minLoss).toBe(1);
    b.truncateFrom(2);
    expect(b.minLoss).toBe(3);
    b.reset();
    expect(b.minLoss).toBe(Number.POSITIVE_INFINITY);
  });

  test('reset replaces everything', () => {
    const b = new CurveBuffer(0.5, 16);
    b.append(metrics(1, 5));
    b.reset(metrics(1, 100));
    expect(b.length).toBe(100);
    b.reset();
    expect(b.length).toBe(0);
    expect(b.columns()[0].length).toBe(0);
  });

  describe('loss parts', () => {
    const parted = (step: number, reconstruction: number, kl: number) => metric(step, { loss: reconstruction + kl, parts: { reconstruction, kl } });

    test('a column per part besides the total, raw and smoothed', () => {
      const b = new CurveBuffer(0.5, 16);
      b.append([parted(1, 3, 1), parted(2, 2, 0.5), metric(3, { parts: { total: 9, reconstruction: 1, kl: 0.25 } })]);
      expect(b.partNames).toEqual(['reconstruction', 'kl']);
      const [rec, kl] = b.partColumns();
      expect(rec!.name).toBe('reconstruction');
      expect([...rec!.raw]).toEqual([3, 2, 1]);
      expect([...kl!.smooth]).toEqual([...emaSmooth([1, 0.5, 0.25], 0.5)]);
      expect(b.partAt('kl', 1)).toBe(0.5);
      expect(b.partAt('kl', 3)).toBeNull();
      expect(b.partAt('nope', 0)).toBeNull();
      expect(b.minValue).toBe(0.25);
    });

    test('single-loss methods have none', () => {
      const b = new CurveBuffer();
      b.append(metrics(1, 3));
      expect(b.partNames).toEqual([]);
      expect(b.partColumns()).toEqual([]);
      expect(b.minValue).toBe(b.minLoss);
    });

    test('a part that appears late is NaN before; parts survive growth, cuts, smoothing and resets', () => {
      const b = new CurveBuffer(0.5, 16);
      b.append(metrics(1, 2));
      b.append([parted(3, 2, 0)]);
      expect([...b.partColumns()[0]!.raw].map(String)).toEqual(['NaN', 'NaN', '2']);
      expect(b.minValue).toBe(0); // a log axis is refused
      for (let s = 4; s <= 40; s++) b.append([parted(s, 1 + 1 / s, 0.1)]);
      expect(b.partColumns()[0]!.raw.length).toBe(40);
      expect(b.partColumns()[1]!.raw[39]).toBe(0.1);
      b.truncateFrom(4);
      expect(b.partColumns()[0]!.raw.length).toBe(3);
      expect(b.minValue).toBe(0);
      b.append([parted(4, 5, 0.5)]);
      b.setSmoothing(0.9);
      const rec = b.partColumns()[0]!;
      expect([...rec.smooth].map((v) => v.toFixed(9))).toEqual([...emaSmooth(rec.raw, 0.9)].map((v) => v.toFixed(9)));
      b.reset(metrics(1, 2));
      expect(b.partNames).toEqual([]);
      expect(b.minValue).toBe(b.minLoss);
    });

    test('an accuracy part is marked as one and never refuses the log axis', () => {
      const b = new CurveBuffer(0.5, 16);
      b.append([metric(1, { loss: 1.4, parts: { accuracy: 0 } }), metric(2, { loss: 1.2, parts: { accuracy: 0.5 } })]);
      const [accuracy] = b.partColumns();
      expect(accuracy).toMatchObject({ name: 'accuracy', accuracy: true });
      expect([...accuracy!.raw]).toEqual([0, 0.5]);
      expect(b.minValue).toBe(1.2);
      b.truncateFrom(2);
      expect(b.minValue).toBe(1.4);
    });
  });

  test('isAccuracyPart: `accuracy` and names ending in `Accuracy`; formatShare shows a percentage', () => {
    expect(['accuracy', 'rotationAccuracy', 'top1Accuracy'].every(isAccuracyPart)).toBe(true);
    expect(['kl', 'reconstruction', 'accuracyLoss', 'inaccuracy', 'Accuracy2'].some(isAccuracyPart)).toBe(false);
    expect(formatShare(0.875)).toBe('87.5 %');
    expect(formatShare(1)).toBe('100.0 %');
    expect(formatShare(null)).toBe('–');
    expect(formatShare(Number.NaN)).toBe('–');
  });

  test('100,000 points arrive ten at a time quickly', () => {
    const b = new CurveBuffer();
    const batches = Array.from({ length: 10_000 }, (_, i) => metrics(i * 10 + 1, i * 10 + 10));
    const t0 = performance.now();
    for (const batch of batches) b.append(batch);
    const ms = performance.now() - t0;
    expect(b.length).toBe(100_000);
    expect(b.steps[99_999]).toBe(100_000);
    expect(ms).toBeLessThan(1000);
  });
});

test('axisLabels uses the fewest decimals that show every tick', () => {
  expect(axisLabels([3.2, 3.4, 3.6])).toEqual(['3.2', '3.4', '3.6']);
  expect(axisLabels([0.25, 0.5, 0.75])).toEqual(['0.25', '0.50', '0.75']);
  expect(axisLabels([2, 4, 6])).toEqual(['2', '4', '6']);
  expect(axisLabels([0.1 + 0.2, 0.4])).toEqual(['0.3', '0.4']);
  expect(axisLabels([])).toEqual([]);
});

test('log axis ticks: 1-2-5 over decades, even log steps within one', () => {
  expect(logSplits(3.9, 18)).toEqual([3.9, 5.7, 8.4, 12, 18]);
  expect(logSplits(0.3, 40)).toEqual([0.5, 1, 2, 5, 10, 20]);
  const narrow = logSplits(3.02, 4.3);
  expect(narrow[0]).toBeGreaterThanOrEqual(3.02);
  expect(narrow.length).toBeGreaterThanOrEqual(4);
  expect(narrow.every((v) => Number(v.toPrecision(2)) === v)).toBe(true);
  expect(logSplits(0, 1)).toEqual([]);
  expect(logAxisLabels([0.05, 3.4, 20, 0])).toEqual(['0.05', '3.4', '20', '']);
});
