import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cannot, errorReason } from '../../src-main/core/errors';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('errorReason and cannot', () => {
  it('words the common errno codes as a sentence, without the code or the path Node adds', () => {
    const missing = thrown(() => readFileSync('/no/such/nope.png'));
    expect(errorReason(missing)).toBe('no such file or directory');
    expect(cannot('read', 'nope.png', missing)).toBe('Cannot read nope.png: no such file or directory.');
    const folder = thrown(() => readFileSync('/'));
    expect(cannot('read', '/', folder)).toBe('Cannot read /: it is a folder, not a file.');
    for (const code of ['EACCES', 'ENOTDIR', 'ELOOP', 'EMFILE', 'ENOSPC']) {
      const reason = errorReason(Object.assign(new Error(`${code}: whatever, open '/x'`), { code }));
      expect(reason).not.toMatch(/^E[A-Z]+|\/x/);
      expect(reason.length).toBeGreaterThan(5);
    }
  });

  it("keeps Node's description for other codes, minus code, syscall and path; other errors keep their message", () => {
    const odd = Object.assign(new Error("ECONNRESET: connection reset by peer, read '/tmp/x'"), { code: 'ECONNRESET' });
    expect(errorReason(odd)).toBe('connection reset by peer');
    expect(errorReason(new Error('corrupt or truncated PNG'))).toBe('corrupt or truncated PNG');
    expect(cannot('write', 'e.csv', new Error('disk on fire.'))).toBe('Cannot write e.csv: disk on fire.');
    expect(errorReason('plain string')).toBe('plain string');
  });
});
