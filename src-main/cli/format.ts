import type { DatasetSummary } from '../contract';

/**
 * Text from outside (file and folder names, labels, messages naming them) made safe for a terminal:
 * control characters (C0, DEL, C1: escape sequences that would move the cursor, retitle the
 * window or hide text) are shown as \xNN instead of being sent raw.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A dataset in a few lines; a failed (or interrupted) import says how to finish it (`db`: the --db given). */
export function formatDataset(d: DatasetSummary, db?: string): string {
  const lines = [
    `#${d.id} ${printable(d.name)}  (${d.status})`,
    `   folder:   ${printable(d.root)}`,
    `   items:    ${d.total}  (image ${d.counts.image}, text ${d.counts.text}, audio ${d.counts.audio})  skipped ${d.skipped}`,
  ];
  if (d.labels.some((l) => l.label !== null)) {
    lines.push(`   labels:   ${d.labels.map((l) => `${printable(l.label ?? '(none)')} ${l.count}`).join(', ')}`);
  }
  if (d.error) lines.push(`   error:    ${printable(d.error)}`);
  if (d.status === 'failed') lines.push(`   finish it with: ${nextCommand(['import', d.root], db)}`);
  return lines.join('\n');
}

/** A word as a POSIX shell reads it back: quoted only when it has characters the shell would interpret. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `pretext` command to run next, with this invocation's `--db` when one was given, safe to paste. */
export function nextCommand(args: readonly (string | number)[], db?: string): string {
  const words = ['pretext', ...args.map(String), ...(db ? ['--db', db] : [])];
  return printable(words.map(shellWord).join(' '));
}
