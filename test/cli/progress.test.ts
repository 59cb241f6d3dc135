import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitOnBrokenPipe } from '../../src-main/cli/common';
import { fitProgressLine, ProgressBar, type ProgressPart } from '../../src-main/cli/progress';

const training: ProgressPart[] = [
  { text: 'epoch 12/200', keep: 3 },
  { text: 'step 1200/20000', keep: 0 },
  { text: 'loss 4.1234', keep: 2 },
  { text: '1113 ex/s', keep: 1 },
  { text: 'ETA 1:02:03', keep: 4 },
];

describe('fitProgressLine', () => {
  it('shows everything with the full bar on a wide terminal', () => {
    const line = fitProgressLine(160, 6, 100, training);
    expect(line).toBe(`${'█'.repeat(2)}${'░'.repeat(26)}   6% epoch 12/200  step 1200/20000  loss 4.1234  1113 ex/s  ETA 1:02:03`);
  });

  it('keeps the ETA at 80 columns and narrower, shortening the bar and dropping the least important parts first', () => {
    for (const columns of [80, 60, 50, 40, 30, 24]) {
      const line = fitProgressLine(columns, 6, 100, training);
      expect(line.length, `${columns}: ${line}`).toBeLessThanOrEqual(columns - 1);
      expect(line, `${columns}`).toContain('ETA 1:02:03');
    }
    expect(fitProgressLine(80, 6, 100, training)).toContain('loss 4.1234');
    expect(fitProgressLine(60, 6, 100, training)).not.toContain('step');
    expect(fitProgressLine(50, 6, 100, training)).toMatch(/epoch 12\/200 .*ETA/);
  });

  it('shortens a file name from the left before dropping it, and escapes control characters', () => {
    const parts: ProgressPart[] = [
      { text: '120/1000 files', keep: 2 },
      { text: '3 skipped', keep: 1 },
      { text: 'a/very/long/folder/name/that/goes/on/and/on/evil\x1b[2Jname.png', shorten: true },
    ];
    const line = fitProgressLine(80, 120, 1000, parts);
    expect(line.length).toBeLessThanOrEqual(79);
    expect(line).toMatch(/120\/1000 files {2}3 skipped {2}….*evil\\x1b\[2Jname\.png$/);
    expect(line).not.toContain('\x1b');
    expect(fitProgressLine(20, 120, 1000, parts).length).toBeLessThanOrEqual(19);
  });

  it('cuts a single long label only as the last resort', () => {
    const line = fitProgressLine(30, 0, 0, 'counting files in a folder with a very long name…');
    expect(line.length).toBe(29);
    expect(line.endsWith('…')).toBe(true);
  });
});

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const stream = { isTTY, columns: isTTY ? 200 : undefined, text: '', write: (s: string) => ((stream.text += s), true) };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

describe('ProgressBar', () => {
  it('redraws in place on a terminal and prints no milestone lines there', () => {
    const stream = fakeStream(true);
    const bar = new ProgressBar(stream);
    bar.update(1, 2, [{ text: 'ETA 0:01' }], true);
    bar.milestone('epoch 1/2');
    expect(stream.text.startsWith('\r\x1b[2K')).toBe(true);
    expect(stream.text).toMatch(/50% ETA 0:01$/);
    expect(stream.text).not.toContain('\n');
  });

  it('when piped, draws no bar and prints one plain line per milestone', () => {
    const stream = fakeStream(false);
    const bar = new ProgressBar(stream);
    bar.update(1, 2, 'x', true);
    bar.milestone('epoch 1/2  loss 1.0000');
    bar.milestone('name\x07.png');
    bar.clear();
    expect(stream.text).toBe('epoch 1/2  loss 1.0000\nname\\x07.png\n');
  });
});

describe('exitOnBrokenPipe', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exits quietly with 0 when the reader of the output went away, and leaves other errors alone', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stream = new EventEmitter() as unknown as NodeJS.WriteStream;
    exitOnBrokenPipe(stream);
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exit).toHaveBeenCalledWith(0);
    expect(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow('disk full');
  });
});
