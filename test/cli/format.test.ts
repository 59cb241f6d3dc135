import { describe, expect, it } from 'vitest';
import { formatDataset, nextCommand, printable, shellWord } from '../../src-main/cli/format';
import type { DatasetSummary } from '../../src-main/contract';

describe('printable', () => {
  it('shows control characters in file names as \\xNN instead of sending them to the terminal', () => {
    expect(printable('evil\x1b]0;pwned\x07.png')).toBe('evil\\x1b]0;pwned\\x07.png');
    expect(printable('two\nlines\r\t')).toBe('two\\x0alines\\x0d\\x09');
    expect(printable('c1\u009bcsi')).toBe('c1\\x9bcsi');
    expect(printable('ordinary – ünïcode 猫.png')).toBe('ordinary – ünïcode 猫.png');
  });

  it('is applied to every user-controlled field of a dataset summary', () => {
    const d = {
      id: 1, name: 'n\x1b[2J', root: '/r\x07', status: 'failed', total: 1, counts: { image: 1, text: 0, audio: 0 }, skipped: 0,
      labels: [{ label: 'l\x1b', count: 1 }], error: 'e\x1b',
    } as unknown as DatasetSummary;
    const text = formatDataset(d);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/); // only the line breaks between its lines
    expect(text).toContain('n\\x1b[2J');
    // A failed import says how to finish it.
    expect(formatDataset({ ...d, root: '/data/my shapes' }, 'x.db')).toContain("finish it with: pretext import '/data/my shapes' --db x.db");
  });
});

describe('nextCommand', () => {
  it('gives a command to paste: words quoted for the shell only when needed, with the --db that was given', () => {
    expect(nextCommand(['train', '--resume', 7])).toBe('pretext train --resume 7');
    expect(nextCommand(['project', 3], 'my data/x.db')).toBe("pretext project 3 --db 'my data/x.db'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('/plain/path-1_2.db')).toBe('/plain/path-1_2.db');
    expect(nextCommand(['import', 'evil\x1b[2J'])).toBe("pretext import 'evil\\x1b[2J'");
  });
});
