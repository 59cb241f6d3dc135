import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvField, itemName, writeEmbeddingsCsv } from '../../src-main/core/export';
import type { VectorsRepository } from '../../src-main/core/storage/repositories/vectors';

describe('CSV export', () => {
  it('quotes only fields that need it (RFC 4180)', () => {
    expect(csvField('cats/a.png')).toBe('cats/a.png');
    expect(csvField('a,b.png')).toBe('"a,b.png"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(itemName('quotes.csv', 3)).toBe('quotes.csv#3');
    expect(itemName('a.png', 0)).toBe('a.png');
  });

  it('streams a header and one row per vector, with floats that read back as the same float32', async () => {
    const values = new Float32Array([0.1, -2.5e-7, 3]);
    const fake = {
      *iterateVectors() {
        yield { itemId: 1, path: 'x,y.png', row: 0, label: null, vector: values };
        yield { itemId: 2, path: 't.csv', row: 2, label: 'pos', vector: new Float32Array([1, 2, 3]) };
      },
    } as unknown as VectorsRepository;
    let text = '';
    const out = new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    expect(await writeEmbeddingsCsv(fake, 1, 3, out)).toBe(2);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('path,label,e0,e1,e2');
    expect(lines[1]).toMatch(/^"x,y\.png",,0\.100000001,-2\.\d+e-7,3$/);
    expect(new Float32Array(lines[1]!.split(',').slice(3).map(Number))).toEqual(values);
    expect(lines[2]).toBe('t.csv#2,pos,1,2,3');
  });
});
