import { printable } from './format';

/** One part of a progress line's label, e.g. `loss 1.2345` or `ETA 1:23`. */
export interface ProgressPart {
  text: string;
  /** When the terminal is too narrow, parts with a lower `keep` go first (default 0); the ETA has the highest. */
  keep?: number;
  /** A file name: shortened from the left (`…/tail.png`) before it is dropped. */
  shorten?: boolean;
}

const BAR_WIDTHS = [28, 20, 12];
const MIN_SHORTENED = 8;

/**
 * The progress line for a terminal `columns` wide (one column is left free so the cursor never
 * wraps): bar, percentage and label parts at full width if they fit; else a narrower bar, then the
 * least important parts shortened or dropped, then no bar, and only then the line cut. Widths count
 * UTF-16 code units, as terminals render most file names (wide CJK glyphs may take two columns).
 */
export function fitProgressLine(columns: number, done: number, total: number, label: string | ProgressPart[]): string {
  const width = Math.max(10, Math.floor(columns) - 1);
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const pct = total > 0 ? `${String(Math.floor(fraction * 100)).padStart(3)}%` : '';
  const bar = (w: number): string => {
    if (w === 0) return '';
    const filled = Math.round(fraction * w);
    return total > 0 ? '█'.repeat(filled) + '░'.repeat(w - filled) : '░'.repeat(w);
  };
  const parts = (typeof label === 'string' ? [{ text: label }] : label).map((p) => ({ ...p, text: printable(p.text) })).filter((p) => p.text !== '');
  const render = (barWidth: number, shown: ProgressPart[]): string =>
    [bar(barWidth), pct, shown.map((p) => p.text).join('  ')].filter((s) => s !== '').join(' ');

  for (const w of BAR_WIDTHS) {
    const line = render(w, parts);
    if (line.length <= width) return line;
  }
  const narrow = BAR_WIDTHS.at(-1)!;
  let shown = parts;
  for (;;) {
    const over = render(narrow, shown).length - width;
    if (over <= 0) return render(narrow, shown);
    const shortenable = shown.findIndex((p) => p.shorten && p.text.length > MIN_SHORTENED);
    if (shortenable >= 0) {
      const text = shown[shortenable]!.text;
      const length = Math.max(MIN_SHORTENED, text.length - over);
      shown = shown.map((p, i) => (i === shortenable ? { ...p, text: `…${text.slice(text.length - length + 1)}`, shorten: false } : p));
      continue;
    }
    if (shown.length <= 1) break;
    const lowest = Math.min(...shown.map((p) => p.keep ?? 0));
    const drop = shown.findIndex((p) => (p.keep ?? 0) === lowest);
    shown = shown.filter((_, i) => i !== drop);
  }
  const line = render(0, shown);
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/** The width to fit a progress line to: the stream's, else stdout's, else $COLUMNS, else 80. */
export function terminalColumns(stream: NodeJS.WriteStream): number {
  const fromEnv = Number(process.env.COLUMNS);
  return stream.columns || process.stdout.columns || (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80);
}

/**
 * A one-line progress bar redrawn in place on a terminal. When the stream is not a terminal (a pipe,
 * a log file) it draws nothing: the commands print plain `milestone` lines instead (one per epoch,
 * one per import phase), which read well in a log.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  update(done: number, total: number, label: string | ProgressPart[], force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.stream.write(`\r\x1b[2K${fitProgressLine(terminalColumns(this.stream), done, total, label)}`);
    this.drawn = true;
  }

  /** A plain line where no bar can be drawn (not a terminal); nothing on a terminal, where the bar shows it. */
  milestone(text: string): void {
    if (!this.enabled) this.stream.write(`${printable(text)}\n`);
  }

  clear(): void {
    if (this.drawn && this.enabled) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
