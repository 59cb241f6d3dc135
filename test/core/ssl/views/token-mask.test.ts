import { describe, expect, it } from 'vitest';
import { TEXT_TOKEN_IDS } from '../../../../src-main/contract';
import { Rng } from '../../../../src-main/core/ssl/random';
import { maskedCount, maskTokens, TEXT_SPECIAL_COUNT } from '../../../../src-main/core/ssl/views/token-mask';

const { pad: PAD, cls: CLS, sep: SEP, mask: MASK, unk: UNK, del: DEL } = TEXT_TOKEN_IDS;

/** Rows as the text data module makes them: [CLS] ids… [SEP] then PAD, with some UNK and DEL among the ids. */
function modelRows(rows: number, length: number, vocabSize: number, rng: Rng): Float32Array {
  const out = new Float32Array(rows * length);
  for (let r = 0; r < rows; r++) {
    const n = rng.int(length - 1); // 0..length−2 ids between [CLS] and [SEP]
    out[r * length] = CLS;
    for (let t = 1; t <= n; t++) {
      const u = rng.next();
      out[r * length + t] = u < 0.03 ? UNK : u < 0.05 ? DEL : TEXT_SPECIAL_COUNT + rng.int(vocabSize - TEXT_SPECIAL_COUNT);
    }
    out[r * length + n + 1] = SEP;
    for (let t = n + 2; t < length; t++) out[r * length + t] = PAD;
  }
  return out;
}

describe('maskTokens (BERT masking)', () => {
  it('knows the special ids: PAD 0 … DEL 5', () => {
    expect(TEXT_SPECIAL_COUNT).toBe(6);
  });

  it('chooses 15% of each row’s ordinary tokens, at least one, and replaces 80% / 10% / 10% on a large input', () => {
    const vocabSize = 500;
    const rows = 2000;
    const length = 64;
    const ids = modelRows(rows, length, vocabSize, new Rng(11));
    const m = maskTokens(ids, rows, { vocabSize }, new Rng(12));
    let ordinary = 0;
    for (let r = 0; r < rows; r++) {
      const row = Array.from(ids.subarray(r * length, (r + 1) * length));
      const n = row.filter((id) => id >= TEXT_SPECIAL_COUNT).length;
      ordinary += n;
      const chosen = Array.from(m.weights.subarray(r * length, (r + 1) * length)).reduce((a, b) => a + b, 0);
      expect(chosen).toBe(n === 0 ? 0 : Math.max(1, Math.round(0.15 * n)));
    }
    const total = m.targets.length;
    expect(total / ordinary).toBeGreaterThan(0.14);
    expect(total / ordinary).toBeLessThan(0.17);
    let masked = 0;
    let kept = 0;
    let replaced = 0;
    for (let i = 0; i < total; i++) {
      const at = m.rows[i]! * length + m.positions[i]!;
      expect(m.targets[i]).toBe(ids[at]);
      expect(m.labels[at]).toBe(ids[at]);
      const now = m.inputs[at]!;
      if (now === MASK) masked++;
      else if (now === ids[at]) kept++;
      else {
        replaced++;
        expect(now).toBeGreaterThanOrEqual(TEXT_SPECIAL_COUNT);
        expect(now).toBeLessThan(vocabSize);
      }
    }
    // A random replacement equals the original with probability 1/494: it then counts as kept.
    expect(Math.abs(masked / total - 0.8)).toBeLessThan(0.015);
    expect(Math.abs(replaced / total - 0.1)).toBeLessThan(0.012);
    expect(Math.abs(kept / total - 0.1)).toBeLessThan(0.012);
    // Positions that were not chosen are untouched and carry no weight or label.
    for (let i = 0; i < ids.length; i++) {
      if (m.weights[i] === 0) {
        expect(m.inputs[i]).toBe(ids[i]);
        expect(m.labels[i]).toBe(-100);
      }
    }
  });

  it('never chooses PAD, [CLS], [SEP], [UNK], [DEL] or [MASK], and leaves rows without ordinary tokens alone', () => {
    const length = 12;
    const specialsOnly = [CLS, UNK, DEL, MASK, SEP, PAD, PAD, PAD, PAD, PAD, PAD, PAD];
    const empty = [CLS, SEP, ...Array<number>(length - 2).fill(PAD)];
    const one = [CLS, UNK, 42, DEL, SEP, ...Array<number>(length - 5).fill(PAD)];
    const ids = Float32Array.from([...specialsOnly, ...empty, ...one]);
    for (let seed = 1; seed <= 50; seed++) {
      const m = maskTokens(ids, 3, { vocabSize: 100 }, new Rng(seed));
      expect(Array.from(m.rows)).toEqual([2]);
      expect(Array.from(m.positions)).toEqual([2]);
      expect(Array.from(m.targets)).toEqual([42]);
      expect(Array.from(m.inputs.subarray(0, 2 * length))).toEqual([...specialsOnly, ...empty]);
    }
  });

  it('draws everything from the generator: the same state gives the same masks, another state others', () => {
    const ids = modelRows(50, 32, 300, new Rng(3));
    const a = maskTokens(ids, 50, { vocabSize: 300 }, new Rng(9));
    const b = maskTokens(ids, 50, { vocabSize: 300 }, new Rng(9));
    const c = maskTokens(ids, 50, { vocabSize: 300 }, new Rng(10));
    expect(a).toEqual(b);
    expect(Array.from(a.inputs)).not.toEqual(Array.from(c.inputs));
    const rng = new Rng(9);
    maskTokens(ids, 50, { vocabSize: 300 }, rng);
    expect(rng.getState()).not.toEqual(new Rng(9).getState());
  });

  it('rounds the count per row and honours other shares', () => {
    expect(maskedCount(0, 0.15)).toBe(0);
    expect(maskedCount(1, 0.15)).toBe(1);
    expect(maskedCount(10, 0.15)).toBe(2); // 1.5 rounds up
    expect(maskedCount(100, 0.15)).toBe(15);
    expect(maskedCount(3, 1)).toBe(3);
    const ids = modelRows(20, 40, 200, new Rng(5));
    const allMask = maskTokens(ids, 20, { vocabSize: 200, maskShare: 1, randomShare: 0 }, new Rng(1));
    for (let i = 0; i < ids.length; i++) expect(allMask.inputs[i]).toBe(allMask.weights[i] === 1 ? MASK : ids[i]);
  });

  it('refuses bad settings and ids, showing the values', () => {
    const ids = Float32Array.from([CLS, 7, SEP, PAD]);
    expect(() => maskTokens(ids, 1, { vocabSize: 100, ratio: 0 }, new Rng(1))).toThrow('mask ratio must be in (0, 1], got 0');
    expect(() => maskTokens(ids, 1, { vocabSize: 100, maskShare: 0.95, randomShare: 0.1 }, new Rng(1))).toThrow('got 0.95 and 0.1');
    expect(() => maskTokens(ids, 1, { vocabSize: 6 }, new Rng(1))).toThrow('above the 6 special tokens, got 6');
    expect(() => maskTokens(ids, 3, { vocabSize: 100 }, new Rng(1))).toThrow('expected 3 rows of equal length, got 4 ids');
    expect(() => maskTokens(Float32Array.from([CLS, 100, SEP, PAD]), 1, { vocabSize: 100 }, new Rng(1))).toThrow('row 0, position 1 is 100, expected an integer in 0..99');
  });
});
