/**
 * The text rows of the engine benchmark (bench/engine-bench.ts --text): training and extraction
 * tokens/s of the text encoders, beside PyTorch running the same Transformer (bench/torch_text.py).
 *
 * One training step is the MLM-style step both sides run: every 7th position (~15%) of a
 * [batch, length] block of token ids replaced by [MASK] (the last 0–8 positions of each row are
 * padding), logits through the tied token embedding at those positions, cross-entropy, AdamW.
 * Extraction is the pooled embedding of the same block without dropout. tokens/s = batch × length /
 * step time (padding included on both sides). Each configuration runs in its own child process;
 * Pretext and PyTorch alternate for `rounds` rounds and the table shows the median round, with the
 * load average before each run, since the machine may be shared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { TEXT_TOKEN_IDS } from '../src-main/contract';
import { type EngineBackendName, initBackend, tf } from '../src-main/core/engine/backend';
import { TextConvEncoder } from '../src-main/core/ssl/encoders/text-conv';
import { TransformerEncoder, type TransformerActivation } from '../src-main/core/ssl/encoders/transformer';
import { softmaxCrossEntropy } from '../src-main/core/ssl/losses/cross-entropy';
import { AdamW } from '../src-main/core/ssl/optim/adamw';

export type TextEncoderKind = 'transformer' | 'text-conv';

export interface TextBenchOptions {
  encoders: TextEncoderKind[];
  backend: EngineBackendName;
  threads: number;
  batch: number;
  length: number;
  vocab: number;
  layers: number;
  width: number;
  heads: number;
  activation: TransformerActivation;
  /** Timed training steps per run (after 2 warm-up steps); the run reports their median. */
  steps: number;
  /** Alternating Pretext/PyTorch rounds; the table shows the median. */
  rounds: number;
  torch: boolean;
  profile: boolean;
}

interface TextRun {
  trainTokensPerSecond: number;
  extractTokensPerSecond: number;
  /** 1-minute load average just before the run started. */
  load: number;
  threads?: number;
  firstLoss?: number;
  lastLoss?: number;
  version?: string;
  profile?: { kernel: string; ms: number; calls: number }[];
  unavailable?: string;
}

export function parseTextOptions(argv: string[]): TextBenchOptions {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return {
    encoders: (get('text-encoders') ?? 'transformer,text-conv').split(',').filter((s) => s.length > 0) as TextEncoderKind[],
    backend: (get('backends')?.split(',')[0] ?? 'wasm') as EngineBackendName,
    threads: Number(get('threads')?.split(',').at(-1) ?? 2),
    batch: Number(get('text-batch') ?? 64),
    length: Number(get('text-length') ?? 64),
    vocab: Number(get('text-vocab') ?? 8000),
    layers: Number(get('text-layers') ?? 4),
    width: Number(get('text-width') ?? 128),
    heads: Number(get('text-heads') ?? 4),
    activation: (get('text-activation') ?? 'relu') as TransformerActivation,
    steps: Number(get('text-steps') ?? 3),
    rounds: Number(get('rounds') ?? 3),
    torch: !argv.includes('--no-torch'),
    profile: argv.includes('--profile'),
  };
}

/** The benchmark's token ids and MLM targets, made exactly as bench/torch_text.py makes them. */
function mlmBatch(batch: number, length: number, vocab: number): { ids: Int32Array; inputs: Int32Array; masked: number[]; labels: number[] } {
  const ids = new Int32Array(batch * length);
  for (let i = 0; i < ids.length; i++) ids[i] = 6 + (((i * 2654435761) % 2 ** 32) % (vocab - 6));
  for (let r = 0; r < batch; r++) for (let c = length - (r % 9); c < length; c++) ids[r * length + c] = TEXT_TOKEN_IDS.pad;
  const inputs = ids.slice();
  const masked: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i % 7 !== 3 || ids[i] === TEXT_TOKEN_IDS.pad) continue;
    masked.push(i);
    labels.push(ids[i]!);
    inputs[i] = TEXT_TOKEN_IDS.mask;
  }
  return { ids, inputs, masked, labels };
}

/** Runs in the child: one encoder on one backend. */
export async function runTextChild(kind: TextEncoderKind, o: TextBenchOptions): Promise<TextRun> {
  const load = loadavg()[0]!;
  const info = await initBackend(o.backend, { threads: o.threads });
  const config = { vocabSize: o.vocab, maxLength: o.length, width: o.width, seed: 1 };
  const encoder =
    kind === 'transformer'
      ? new TransformerEncoder({ ...config, layers: o.layers, heads: o.heads, activation: o.activation })
      : new TextConvEncoder({ ...config, blocks: o.layers });
  const optimizer = new AdamW(encoder.trainableVariables, { weightDecay: 1e-2, decayMask: encoder.decayMask });
  const { ids, inputs, masked, labels } = mlmBatch(o.batch, o.length, o.vocab);
  const inputIds = tf.tensor2d(inputs, [o.batch, o.length], 'int32');
  const maskedRows = tf.tensor1d(masked, 'int32');
  let seed = 1;
  const step = (): number =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const { hidden } = encoder.forwardTrain(inputIds, { dropoutSeed: seed++ });
        const rows = tf.gather(tf.reshape(hidden, [o.batch * o.length, o.width]), maskedRows); // [M, D]
        return softmaxCrossEntropy(tf.matMul(rows, encoder.tokenEmbedding, false, true) as tf.Tensor2D, labels); // logits [M, V]
      }, encoder.trainableVariables);
      optimizer.apply(encoder.trainableVariables.map((v) => grads[v.name]!), 1e-3);
      return value.dataSync()[0]!;
    });
  const firstLoss = step();
  step();
  let lastLoss = firstLoss;
  const stepMs: number[] = [];
  for (let i = 0; i < o.steps; i++) {
    const t0 = performance.now();
    lastLoss = step();
    stepMs.push(performance.now() - t0);
  }
  let profile: TextRun['profile'];
  if (o.profile) profile = await profileOnce(() => step());

  const blockIds = tf.tensor2d(ids, [o.batch, o.length], 'int32');
  const extract = () => tf.tidy(() => encoder.embed(blockIds).dataSync());
  extract();
  const extractMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    extract();
    extractMs.push(performance.now() - t0);
  }
  tf.dispose([inputIds, maskedRows, blockIds]);
  encoder.dispose();
  const tokens = o.batch * o.length;
  return {
    trainTokensPerSecond: (tokens * 1000) / median(stepMs),
    extractTokensPerSecond: (tokens * 1000) / median(extractMs),
    load,
    threads: info.threads,
    firstLoss,
    lastLoss,
    ...(profile === undefined ? {} : { profile }),
  };
}

async function profileOnce(f: () => void): Promise<NonNullable<TextRun['profile']>> {
  const info = await tf.profile(f);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  return [...byKernel.entries()].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function childArgs(kind: TextEncoderKind, o: TextBenchOptions): string[] {
  return [
    '--child-text',
    `--text-encoders=${kind}`,
    `--backends=${o.backend}`,
    `--threads=${o.threads}`,
    `--text-batch=${o.batch}`,
    `--text-length=${o.length}`,
    `--text-vocab=${o.vocab}`,
    `--text-layers=${o.layers}`,
    `--text-width=${o.width}`,
    `--text-heads=${o.heads}`,
    `--text-activation=${o.activation}`,
    `--text-steps=${o.steps}`,
    ...(o.profile ? ['--profile'] : []),
  ];
}

function runPretext(kind: TextEncoderKind, o: TextBenchOptions): TextRun {
  const load = loadavg()[0]!;
  const args = [...process.execArgv, ...process.argv.slice(1, 2), ...childArgs(kind, o)];
  const launcher = process.env.PRETEXT_TS_RUNNER;
  const child = spawnSync(process.execPath, launcher === undefined ? args : [launcher, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || line === undefined) {
    const why = child.stdout.split('\n').find((l) => l.startsWith('UNAVAILABLE ')) ?? `exit ${child.status}`;
    return { trainTokensPerSecond: 0, extractTokensPerSecond: 0, load, unavailable: why.replace(/^UNAVAILABLE /, '') };
  }
  return JSON.parse(line.slice('RESULT '.length)) as TextRun;
}

function runTorch(o: TextBenchOptions): TextRun {
  const load = loadavg()[0]!;
  const script = join(import.meta.dirname, 'torch_text.py');
  const pythons = ['python3', '/usr/bin/python3'].filter((p) => p === 'python3' || existsSync(p));
  let why = 'no python3 with torch found (Debian: apt-get install python3-torch)';
  for (const python of pythons) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) continue;
    const args = [
      script,
      `--batch=${o.batch}`,
      `--length=${o.length}`,
      `--vocab=${o.vocab}`,
      `--layers=${o.layers}`,
      `--width=${o.width}`,
      `--heads=${o.heads}`,
      `--activation=${o.activation}`,
      `--steps=${o.steps}`,
      `--threads=${o.threads}`,
    ];
    const r = spawnSync(python, args, { encoding: 'utf8' });
    try {
      const j = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as { train_tokens_per_sec: number; extract_tokens_per_sec: number; threads: number; torch: string };
      return { trainTokensPerSecond: j.train_tokens_per_sec, extractTokensPerSecond: j.extract_tokens_per_sec, load, threads: j.threads, version: j.torch };
    } catch {
      why = `${python} ${script} failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`}`;
    }
  }
  return { trainTokensPerSecond: 0, extractTokensPerSecond: 0, load, unavailable: why };
}

/** The median round by training tokens/s. */
function medianRun(runs: TextRun[]): TextRun | undefined {
  const ok = runs.filter((r) => r.unavailable === undefined).sort((a, b) => a.trainTokensPerSecond - b.trainTokensPerSecond);
  return ok[(ok.length - 1) >> 1];
}

export function runTextBench(o: TextBenchOptions): void {
  const rows: { name: string; runs: TextRun[] }[] = [
    ...o.encoders.map((kind) => ({ name: `pretext ${kind} ${o.backend}`, runs: [] as TextRun[] })),
    ...(o.torch ? [{ name: 'pytorch transformer', runs: [] as TextRun[] }] : []),
  ];
  for (let round = 1; round <= o.rounds; round++) {
    o.encoders.forEach((kind, i) => rows[i]!.runs.push(runPretext(kind, o)));
    if (o.torch) rows.at(-1)!.runs.push(runTorch(o));
    const shown = rows.map((r) => `${r.name} ${r.runs.at(-1)!.unavailable ?? `${r.runs.at(-1)!.trainTokensPerSecond.toFixed(0)} train tok/s`}`);
    console.error(`round ${round}/${o.rounds}: ${shown.join('; ')}`);
  }
  const shape = `${o.layers} layers, width ${o.width}, ${o.heads} heads, FFN 4x ${o.activation}, vocab ${o.vocab}`;
  console.log(`\nText encoders: batch ${o.batch} x length ${o.length} tokens (${shape}); median of ${o.rounds} alternating rounds, ${o.threads} thread(s)`);
  console.log('encoder                          train tok/s  extract tok/s   vs PyTorch train/extract   load (1 min) per round   loss first→last');
  const torch = o.torch ? medianRun(rows.at(-1)!.runs) : undefined;
  for (const row of rows) {
    const m = medianRun(row.runs);
    const loads = row.runs.map((r) => r.load.toFixed(2)).join(' ');
    if (m === undefined) {
      console.log(`${row.name.padEnd(32)} unavailable: ${row.runs[0]?.unavailable ?? 'no run'}`);
      continue;
    }
    const name = m.version === undefined ? row.name : `${row.name} ${m.version}`;
    const ratio =
      torch !== undefined && m !== torch && row.name.includes('transformer')
        ? `${(m.trainTokensPerSecond / torch.trainTokensPerSecond).toFixed(2)}x / ${(m.extractTokensPerSecond / torch.extractTokensPerSecond).toFixed(2)}x`
        : '';
    const loss = m.firstLoss === undefined ? '' : `${m.firstLoss.toFixed(3)}→${m.lastLoss!.toFixed(3)}`;
    console.log(
      `${name.padEnd(32)} ${m.trainTokensPerSecond.toFixed(0).padStart(11)}  ${m.extractTokensPerSecond.toFixed(0).padStart(13)}   ${ratio.padEnd(24)}   ${loads.padEnd(22)}   ${loss}`,
    );
  }
  for (const row of rows) {
    const profile = medianRun(row.runs)?.profile;
    if (profile === undefined) continue;
    const total = profile.reduce((s, k) => s + k.ms, 0);
    console.log(`\nper-kernel time of one ${row.name} training step (total ${total.toFixed(0)} ms):`);
    for (const k of profile.slice(0, 20)) console.log(`  ${k.kernel.padEnd(28)} ${k.ms.toFixed(1).padStart(8)} ms  ${String(k.calls).padStart(4)} calls`);
  }
}
