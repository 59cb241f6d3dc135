import { printable } from './format';

/** A one-line progress bar on a terminal; silent when stderr is not a TTY. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  update(done: number, total: number, label: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 28;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * width);
    const bar = total > 0 ? '█'.repeat(filled) + '░'.repeat(width - filled) : '░'.repeat(width);
    const pct = total > 0 ? `${String(Math.floor(fraction * 100)).padStart(3)}%` : '    ';
    const columns = this.stream.columns ?? 100;
    const line = `${bar} ${pct} ${printable(label)}`.slice(0, columns - 1);
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn && this.enabled) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
