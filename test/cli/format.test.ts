import { describe, expect, it } from 'vitest';
import { printable } from '../../src-main/cli/format';

describe('printable', () => {
  it('shows control characters in file names as \\xNN instead of sending them to the terminal', () => {
    expect(printable('evil\x1b]0;pwned\x07.png')).toBe('evil\\x1b]0;pwned\\x07.png');
    expect(printable('two\nlines\r\t')).toBe('two\\x0alines\\x0d\\x09');
    expect(printable('c1\u009bcsi')).toBe('c1\\x9bcsi');
    expect(printable('ordinary – ünïcode 猫.png')).toBe('ordinary – ünïcode 猫.png');
  });
});
