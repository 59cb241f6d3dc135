import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunSummary, TrainingProgress, TrainSettings } from '../contract';
import { initBackend } from '../core/engine/backend';
import { VERSION } from '../core/version';
import { importWithProgress, openCore, parse, str, UsageError } from './common';
import { printable } from './format';
import { ProgressBar } from './progress';

export async function cmdVersion(): Promise<void> {
  console.log(`pretext ${VERSION}`);
  const info = await initBackend();
  console.log(`compute backend: ${info.name} (${info.threads} thread${info.threads === 1 ? '' : 's'}${info.simd ? ', SIMD' : ''})`);
  for (const r of info.reasons) console.log(`  ${r.backend} unavailable: ${r.why}`);
}

function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function numberFlag(values: Record<string, unknown>, name: string, integer = true): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got ${String(raw)}`);
  return n;
}

function describeRun(r: RunSummary): string {
  const loss = r.firstLoss !== null && r.lastLoss !== null ? `loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}` : 'no steps yet';
  return (
    `#${r.id} ${r.method} on "${printable(r.datasetName)}"  ${r.status}  epoch ${r.epochsDone}/${r.epochs}  ${loss}  ` +
    `${r.vectors} embeddings${r.embeddingDim ? ` × ${r.embeddingDim}` : ''}${r.backend ? `  [${r.backend}]` : ''}` +
    (r.error ? `\n   ${printable(r.error)}` : '')
  );
}

export async function cmdTrain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    method: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    'image-size': { type: 'string' },
    seed: { type: 'string' },
    lr: { type: 'string' },
    temperature: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    resume: { type: 'string' },
  });
  const target = positionals[0];
  if (str(values, 'resume') === undefined && !target) throw new UsageError('pretext train needs a dataset id or a folder (or --resume <run-id>)');
  const core = openCore(values.db);
  const json = values.json === true;
  const bar = new ProgressBar();
  try {
    let run: RunSummary;
    if (str(values, 'resume') !== undefined) {
      const runId = numberFlag(values, 'resume')!;
      run = await core.handlers['runs.resume']({ runId });
    } else {
      let datasetId: number;
      if (/^\d+$/.test(target!) && !existsSync(target!)) datasetId = Number(target);
      else if (existsSync(target!) && statSync(target!).isDirectory()) {
        const root = resolve(target!);
        const known = (await core.handlers['datasets.list']()).find((d) => d.root === root);
        datasetId = known?.id ?? (await importWithProgress(core, root, {})).datasetId;
      } else throw new UsageError(`${target} is neither a dataset id nor a folder`);
      const settings: TrainSettings = {
        ...(str(values, 'method') ? { method: str(values, 'method') } : {}),
        ...(str(values, 'backend') ? { backend: str(values, 'backend') } : {}),
      };
      const numeric: [keyof TrainSettings, string, boolean][] = [
        ['epochs', 'epochs', true],
        ['batchSize', 'batch-size', true],
        ['imageSize', 'image-size', true],
        ['seed', 'seed', true],
        ['learningRate', 'lr', false],
        ['temperature', 'temperature', false],
        ['threads', 'threads', true],
      ];
      for (const [key, flag, integer] of numeric) {
        const v = numberFlag(values, flag, integer);
        if (v !== undefined) (settings as Record<string, unknown>)[key] = v;
      }
      run = await core.handlers['runs.start']({ datasetId, settings });
    }
    const runId = run.id;
    if (!json) console.error(`Run #${runId}: ${run.method} on "${run.datasetName}"`);
    let announcedBackend = false;
    const off = core.events.on('training.progress', (p: TrainingProgress) => {
      if (p.runId !== runId) return;
      if (json) {
        process.stdout.write(JSON.stringify({ event: 'progress', ...p }) + '\n');
        return;
      }
      if (!announcedBackend && p.backend) {
        announcedBackend = true;
        bar.clear();
        console.error(`compute backend: ${p.backend}`);
      }
      if (p.phase === 'preparing') bar.update(p.done, p.total, `decoding images ${p.done}/${p.total}`);
      else if (p.phase === 'training') {
        bar.update(
          p.step,
          p.totalSteps,
          `epoch ${p.epoch}/${p.epochs}  step ${p.step}/${p.totalSteps}  loss ${p.loss?.toFixed(4) ?? '-'}  ` +
            `${p.imagesPerSec?.toFixed(0) ?? '-'} img/s  ETA ${formatDuration(p.etaSec)}`,
        );
      } else if (p.phase === 'extracting') bar.update(p.done, p.total, `extracting embeddings ${p.done}/${p.total}`);
      if (p.message && !bar.enabled && (p.phase === 'preparing' || p.phase === 'training') && p.step === 0) console.error(p.message);
    });
    const onSigint = (): void => {
      if (!json) {
        bar.clear();
        console.error('Cancelling… (the run can be resumed from its last checkpoint)');
      }
      void core.handlers['runs.cancel']({ runId });
    };
    process.once('SIGINT', onSigint);
    await core.trainingDone(runId);
    process.off('SIGINT', onSigint);
    off();
    bar.clear();
    const final = await core.handlers['runs.get']({ runId });
    if (json) process.stdout.write(JSON.stringify({ event: 'done', run: final }) + '\n');
    else console.log(describeRun(final));
    return final.status === 'completed' ? 0 : final.status === 'cancelled' ? 130 : 1;
  } finally {
    bar.clear();
    await core.close();
  }
}

export async function cmdRuns(args: string[]): Promise<void> {
  const { values } = parse(args, { dataset: { type: 'string' } });
  const core = openCore(values.db);
  try {
    const datasetId = numberFlag(values, 'dataset');
    const runs = await core.handlers['runs.list'](datasetId === undefined ? {} : { datasetId });
    if (values.json) process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
    else if (runs.length === 0) console.log('No runs yet. Start one with: pretext train <dataset-id|folder>');
    else console.log(runs.map(describeRun).join('\n'));
  } finally {
    await core.close();
  }
}

export async function cmdExport(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    out: { type: 'string', short: 'o' },
    coords: { type: 'boolean', default: false },
    projection: { type: 'string' },
    force: { type: 'boolean', default: false },
  });
  const runId = Number(positionals[0]);
  if (!Number.isInteger(runId)) throw new UsageError('pretext export needs a run id');
  const out = str(values, 'out');
  if (!out) throw new UsageError(`pretext export needs --out <file.csv>`);
  const projection = str(values, 'projection');
  if (projection !== undefined && !values.coords) throw new UsageError('--projection goes with --coords');
  if (projection !== undefined && !/^\d+$/.test(projection)) throw new UsageError(`--projection must be a projection id, got ${projection}`);
  const core = openCore(values.db);
  try {
    if (values.coords) {
      const written = await core.exportCoordinates(runId, projection === undefined ? null : Number(projection), out, values.force === true);
      console.log(`Wrote ${written.rows} rows of projection #${written.projectionId} to ${written.path}`);
      return;
    }
    const { path, rows } = await core.handlers['runs.exportCsv']({ runId, path: out, overwrite: values.force === true });
    console.log(`Wrote ${rows} rows to ${path}`);
  } finally {
    await core.close();
  }
}
