import { expect, test } from 'vitest';
import type { CallName, CallOutcome } from '../../../src-main/contract';
import { CallError, clientOver } from '../../../src-renderer/src/lib/client';

test('the Electron client keeps the error code of a failed call (the preload passes outcomes, not thrown errors)', async () => {
  const seen: [CallName, unknown][] = [];
  const client = clientOver(async (name, request): Promise<CallOutcome> => {
    seen.push([name, request]);
    if (name === 'runs.get') return { ok: true, value: { id: 3 } };
    return { ok: false, error: { code: 'cancelled', message: 'Import cancelled; the files read so far were kept.' } };
  });
  expect(await client['runs.get']({ runId: 3 })).toEqual({ id: 3 });
  const failure = await client['datasets.import']({ path: '/x' }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(CallError);
  expect(failure).toMatchObject({ code: 'cancelled', message: 'Import cancelled; the files read so far were kept.' });
  expect(await client['app.info']().catch((e: CallError) => e.code)).toBe('cancelled');
  expect(seen).toEqual([['runs.get', { runId: 3 }], ['datasets.import', { path: '/x' }], ['app.info', null]]);
});
