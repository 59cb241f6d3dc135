import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EMBEDDINGS_FORMATS, type EmbeddingsFormat, type EvaluationPoint, type GpuAdapterInfo, type MethodInfo, type Modality, type ParamSpec, type ParamValues, type RunSummary, type TrainingProgress, type TrainSettings, type VectorSetSummary } from '../contract';
import { parseParamAssignments } from '../core/params';
import { defaultMethodFor } from '../core/ssl/methods';
import { initBackend } from '../core/engine/backend';
import { describeAdapter, formatBytes } from '../core/engine/webgpu';
import { VERSION } from '../core/version';
import { importWithProgress, openCore, parse, str, UsageError } from './common';
import { nextCommand, printable, shellWord } from './format';
import { ProgressBar, type ProgressPart } from './progress';

/** --format: how embeddings are written (csv unless given). */
function formatFlag(values: Record<string, unknown>): EmbeddingsFormat {
  const raw = values.format;
  if (raw === undefined) return 'csv';
  if (!EMBEDDINGS_FORMATS.includes(raw as EmbeddingsFormat)) throw new UsageError(`--format must be one of ${EMBEDDINGS_FORMATS.join(', ')}, got ${String(raw)}`);
  return raw as EmbeddingsFormat;
}

/** The training bar's parts, least important first to go: the ETA stays on the narrowest terminal. */
function trainingParts(p: TrainingProgress): ProgressPart[] {
  return [
    { text: `epoch ${p.epoch}/${p.epochs}`, keep: 3 },
    { text: `step ${p.step}/${p.totalSteps}`, keep: 0 },
    { text: `loss ${p.loss?.toFixed(4) ?? '-'}`, keep: 2 },
    { text: `${p.examplesPerSec?.toFixed(0) ?? '-'} ex/s`, keep: 1 },
    { text: `ETA ${formatDuration(p.etaSec)}`, keep: 4 },
  ];
}

export async function cmdVersion(): Promise<void> {
  console.log(`pretext ${VERSION}`);
  const info = await initBackend();
  console.log(`compute backend: ${describeBackend(info.name, info)}`);
  if (info.adapter) console.log(`  adapter: ${describeAdapterLine(info.adapter)}`);
  for (const r of info.reasons) console.log(`  ${r.backend} unavailable: ${r.why}`);
}

/** "wasm (8 threads, SIMD)" or "webgpu (GPU)". */
function describeBackend(name: string, info: { threads: number; simd: boolean; adapter: GpuAdapterInfo | null }): string {
  if (info.adapter) return `${name} (${info.adapter.software ? 'software adapter, not a GPU' : 'GPU'})`;
  return `${name} (${info.threads} thread${info.threads === 1 ? '' : 's'}${info.simd ? ', SIMD' : ''})`;
}

/** "nvidia ampere (NVIDIA GeForce RTX 3080), buffers up to 2 GiB". */
export function describeAdapterLine(adapter: GpuAdapterInfo): string {
  return `${describeAdapter(adapter)}${adapter.software ? ', a software adapter: it computes on the CPU, not a GPU' : ''}; buffers up to ${formatBytes(adapter.maxBufferBytes)}`;
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

const fixed = (x: number | null, digits = 3): string => (x === null ? '–' : x.toFixed(digits));

/** "after epoch 3 (5,000 items): kNN 0.812, linear 0.834, alignment 0.61, uniformity −2.91, rank 41.2 of 128" */
export function describeEvaluation(e: EvaluationPoint): string {
  const when = e.final ? 'final' : e.epoch === 0 ? 'before training' : `after epoch ${e.epoch}`;
  const probes = e.knn !== null || e.linear !== null ? `kNN ${fixed(e.knn)}, linear ${fixed(e.linear)}, ` : 'no labels for kNN/linear, ';
  return (
    `${when} (${e.items} items): ${probes}alignment ${fixed(e.alignment, 2)}, uniformity ${fixed(e.uniformity, 2)}, effective rank ${fixed(e.effectiveRank, 1)}` +
    (e.collapse ? `\n   warning: ${e.collapse}` : '')
  );
}

/** One run in a line or two; with what to run next when it can be resumed (`db`: the --db given, for that command). */
function describeRun(r: RunSummary, db?: string): string {
  const loss = r.firstLoss !== null && r.lastLoss !== null ? `loss first ${r.firstLoss.toFixed(3)} → last ${r.lastLoss.toFixed(3)}` : 'no steps yet';
  const quality = r.evaluation && (r.evaluation.knn !== null || r.evaluation.linear !== null) ? `  kNN ${fixed(r.evaluation.knn)} linear ${fixed(r.evaluation.linear)}` : '';
  const progress = r.epochs > 0 ? `  epoch ${r.epochsDone}/${r.epochs}  ${loss}` : '';
  return (
    `#${r.id} ${r.method} on "${printable(r.datasetName)}"  ${r.status}${progress}${quality}  ` +
    `${r.vectors} embeddings${r.embeddingDim ? ` × ${r.embeddingDim}` : ''}${r.backend ? `  [${r.backend}]` : ''}` +
    (r.backendDetails?.adapter ? `\n   adapter: ${describeAdapterLine(r.backendDetails.adapter)}` : '') +
    (r.evaluation?.collapse ? `\n   warning: ${r.evaluation.collapse}` : '') +
    (r.error ? `\n   ${printable(r.error)}` : '') +
    (r.resumable ? `\n   resume it with: ${nextCommand(['train', '--resume', r.id], db)}` : '')
  );
}

/** "   vector set #2: 40 embeddings × 128 of "new" (/data/new), completed; search it: pretext search 3 --set 2 --query <file>" */
function describeSet(set: VectorSetSummary, db?: string): string {
  const what = `   vector set #${set.id}: ${set.vectors} embeddings × ${set.dim} of "${printable(set.datasetName)}" (${printable(set.root)}), ${set.status}`;
  if (set.status !== 'completed') return what + (set.error ? `: ${printable(set.error)}` : '');
  return `${what}; search it: ${nextCommand(['search', set.runId, '--set', set.id], db)} --query <file>`;
}

/** @param modalities the method's: a setting of only some of them says which */
function describeParam(p: ParamSpec, modalities: readonly Modality[]): string {
  const range = p.type === 'choice' ? p.choices?.join('|') : p.type === 'boolean' ? 'true|false' : `${p.min ?? ''}..${p.max ?? ''}`;
  const auto = p.auto ? `, ${p.auto.value} = ${p.auto.label.toLowerCase()}` : '';
  const shown = p.fromData ? 'by data' : String(p.default);
  const fromData = p.fromData ? ` Default: ${p.fromData}.` : '';
  const some = p.modalities && modalities.some((m) => !p.modalities!.includes(m)) ? ` (${p.modalities.join(', ')})` : '';
  return `    ${p.name.padEnd(16)} ${shown.padEnd(8)} ${p.type} ${range}${auto}${p.unit ? ` ${p.unit}` : ''}${some}  ${p.help}${fromData}`;
}

function describeMethod(m: MethodInfo): string {
  return [`${m.id}  ${m.name} (${m.family}; ${m.modalities.join(', ')})`, `  ${m.description}`, '  parameters (--param name=value):', ...m.params.map((p) => describeParam(p, m.modalities))].join('\n');
}

export async function cmdMethods(args: string[]): Promise<void> {
  const { values } = parse(args, {});
  const core = openCore(values.db);
  try {
    const methods = await core.handlers['methods.list']();
    if (values.json) process.stdout.write(JSON.stringify(methods, null, 2) + '\n');
    else console.log(methods.map(describeMethod).join('\n\n'));
  } finally {
    await core.close();
  }
}

export async function cmdEval(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {});
  const runId = Number(positionals[0]);
  if (!Number.isInteger(runId)) throw new UsageError('pretext eval needs a run id');
  const core = openCore(values.db);
  try {
    const run = await core.handlers['runs.get']({ runId });
    const evaluations = await core.handlers['runs.evaluations']({ runId });
    if (values.json) {
      process.stdout.write(JSON.stringify({ runId, method: run.method, status: run.status, evaluations }, null, 2) + '\n');
      return;
    }
    if (evaluations.length === 0) {
      console.log(`Run #${runId} has no evaluations yet${run.status === 'completed' ? '' : `; they are computed after each epoch (status: ${run.status})`}.`);
      return;
    }
    console.log(`Run #${runId} (${run.method} on "${printable(run.datasetName)}"):`);
    for (const e of evaluations) console.log(`  ${describeEvaluation(e)}`);
  } finally {
    await core.close();
  }
}

/** Flags kept as shorthands for the common parameters: `--epochs 5` is `--param epochs=5`. */
const PARAM_FLAGS: Record<string, string> = {
  epochs: 'epochs',
  'batch-size': 'batchSize',
  'image-size': 'imageSize',
  seed: 'seed',
  lr: 'learningRate',
  temperature: 'temperature',
  threads: 'threads',
};

export async function cmdTrain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    method: { type: 'string' },
    param: { type: 'string', multiple: true },
    backend: { type: 'string' },
    resume: { type: 'string' },
    ...Object.fromEntries(Object.keys(PARAM_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
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
      const methods = await core.handlers['methods.list']();
      // Without --method, the first method (SimCLR for images) of what the dataset holds most of.
      const counts = (await core.handlers['datasets.list']()).find((d) => d.id === datasetId)?.counts ?? {};
      const methodId = str(values, 'method') ?? defaultMethodFor(counts).id;
      const method = methods.find((m) => m.id === methodId);
      if (!method) throw new UsageError(`Unknown method '${methodId}'; see pretext methods`);
      const assignments = [
        ...Object.entries(PARAM_FLAGS).flatMap(([flag, name]) => (str(values, flag) !== undefined ? [`${name}=${str(values, flag)}`] : [])),
        ...((values.param as unknown as string[] | undefined) ?? []),
      ];
      let params: ParamValues;
      try {
        params = parseParamAssignments(method.params, assignments);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const settings: TrainSettings = { method: methodId, params, ...(str(values, 'backend') ? { backend: str(values, 'backend') } : {}) };
      run = await core.handlers['runs.start']({ datasetId, settings });
    }
    const runId = run.id;
    if (!json) console.error(`Run #${runId}: ${run.method} on "${printable(run.datasetName)}"`);
    let announcedBackend = false;
    let reportedEpoch = 0;
    let reportedPhase: string | null = null;
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
      if (p.phase !== reportedPhase && (p.phase === 'preparing' || p.phase === 'extracting')) {
        reportedPhase = p.phase;
        bar.milestone(p.phase === 'preparing' ? 'decoding the items' : `extracting the embeddings of ${p.total} items`);
      }
      if (p.phase === 'preparing') bar.update(p.done, p.total, `decoding images ${p.done}/${p.total}`);
      else if (p.phase === 'training') {
        bar.update(p.step, p.totalSteps, trainingParts(p));
        // The loop reports each epoch's last step: one plain line per epoch where no bar is drawn.
        const stepsPerEpoch = p.epochs > 0 ? p.totalSteps / p.epochs : 0;
        if (p.epoch > reportedEpoch && stepsPerEpoch > 0 && p.step === p.epoch * stepsPerEpoch) {
          reportedEpoch = p.epoch;
          bar.milestone(trainingParts(p).map((part) => part.text).join('  '));
        }
      } else if (p.phase === 'extracting') bar.update(p.done, p.total, `extracting embeddings ${p.done}/${p.total}`);
      else if (p.phase === 'evaluating') bar.update(0, 0, 'evaluating the embeddings');
      for (const e of p.evaluations) {
        bar.clear();
        console.error(describeEvaluation(e));
      }
      if (p.message && !bar.enabled && (p.phase === 'preparing' || p.phase === 'training') && p.step === 0) console.error(printable(p.message));
    });
    const onSigint = (): void => {
      if (!json) {
        bar.clear();
        console.error(`Cancelling… (to continue later from its last checkpoint: ${nextCommand(['train', '--resume', runId], values.db)})`);
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
    else {
      console.log(describeRun(final, values.db));
      if (final.status === 'cancelled' && !final.resumable) {
        console.log(`   it stopped before its first checkpoint; start it again with: ${printable(['pretext', 'train', ...args].map(shellWord).join(' '))}`);
      }
    }
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
    const withSets = await Promise.all(runs.map(async (r) => ({ ...r, vectorSets: await core.handlers['runs.vectorSets']({ runId: r.id }) })));
    if (values.json) process.stdout.write(JSON.stringify(withSets, null, 2) + '\n');
    else if (runs.length === 0) console.log('No runs yet. Start one with: pretext train <dataset-id|folder>');
    else console.log(withSets.map((r) => [describeRun(r, values.db), ...r.vectorSets.map((set) => describeSet(set, values.db))].join('\n')).join('\n'));
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
    format: { type: 'string' },
  });
  const runId = Number(positionals[0]);
  if (!Number.isInteger(runId)) throw new UsageError('pretext export needs a run id');
  const format = formatFlag(values);
  const out = str(values, 'out');
  if (!out) throw new UsageError(`pretext export needs --out <file${format === 'npy' ? '.npy' : '.csv'}>`);
  if (values.coords && format !== 'csv') throw new UsageError('--coords writes CSV (path,label,x,y); --format is for the embeddings');
  const projection = str(values, 'projection');
  if (projection !== undefined && !values.coords) throw new UsageError('--projection goes with --coords');
  if (projection !== undefined && !/^\d+$/.test(projection)) throw new UsageError(`--projection must be a projection id, got ${projection}`);
  const core = openCore(values.db);
  try {
    if (values.coords) {
      if (projection === undefined && core.runs.get(runId) && core.projections.list(runId).length === 0) {
        throw new Error(`Run #${runId} has no projection yet; compute one with: ${nextCommand(['project', runId], values.db)}`);
      }
      const written = await core.exportCoordinates(runId, projection === undefined ? null : Number(projection), out, values.force === true);
      console.log(`Wrote ${written.rows} rows of projection #${written.projectionId} to ${printable(written.path)}`);
      return;
    }
    const { path, rows } = await core.handlers['runs.exportCsv']({ runId, path: out, overwrite: values.force === true, format });
    if (format === 'npy') {
      const { embeddingDim } = await core.handlers['runs.get']({ runId });
      console.log(`Wrote float32 [${rows}, ${embeddingDim}] to ${printable(path)}; its rows are in the order of the CSV export (pretext export ${runId} --out e.csv)`);
    } else console.log(`Wrote ${rows} rows to ${printable(path)}`);
  } finally {
    await core.close();
  }
}

export async function cmdEmbed(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string', short: 'o' }, force: { type: 'boolean', default: false }, format: { type: 'string' } });
  const runId = Number(positionals[0]);
  const target = positionals[1];
  const format = formatFlag(values);
  if (!Number.isInteger(runId) || !target) throw new UsageError('pretext embed needs a run id and a folder (or a dataset id)');
  const json = values.json === true;
  const core = openCore(values.db);
  const bar = new ProgressBar();
  try {
    let request: { runId: number; datasetId?: number; path?: string };
    if (existsSync(target) && statSync(target).isDirectory()) {
      const root = resolve(target);
      const known = (await core.handlers['datasets.list']()).find((d) => d.root === root);
      request = { runId, datasetId: known?.id ?? (await importWithProgress(core, root, {})).datasetId };
    } else if (/^\d+$/.test(target)) request = { runId, datasetId: Number(target) };
    else throw new UsageError(`${target} is neither a folder nor a dataset id`);
    const off = core.events.on('embed.progress', (p) => {
      if (p.runId !== runId || json) return;
      if (p.phase === 'preparing') bar.update(p.done, p.total, `decoding ${p.done}/${p.total}`);
      else if (p.phase === 'embedding') bar.update(p.done, p.total, `embedding ${p.done}/${p.total}`);
    });
    let set;
    try {
      set = await core.handlers['runs.embed'](request);
    } finally {
      off();
      bar.clear();
    }
    const importSkipped = (await core.handlers['datasets.items']({ datasetId: set.datasetId, status: 'skipped', offset: 0, limit: 1000 })).items.map((i) => ({
      path: i.row !== null ? `${i.path}#${i.row}` : i.path,
      reason: i.error ?? 'skipped',
    }));
    const skipped = [...importSkipped, ...set.skipped];
    let written: { path: string; rows: number } | null = null;
    const out = str(values, 'out');
    if (out) written = await core.handlers['exports.vectorSet']({ setId: set.id, path: out, overwrite: values.force === true, format });
    if (json) {
      process.stdout.write(JSON.stringify({ set, skipped, ...(written ? { out: written } : {}) }, null, 2) + '\n');
      return 0;
    }
    console.log(`Vector set #${set.id}: ${set.vectors} embeddings × ${set.dim} of "${printable(set.datasetName)}" with run #${runId}`);
    if (written) console.log(`Wrote ${written.rows} rows to ${printable(written.path)}`);
    else console.log(`Export them with: pretext embed ${runId} ${set.datasetId} --out embeddings.csv`);
    console.log(`Search them with: ${nextCommand(['search', runId, '--set', set.id], values.db)} --query <file>  (or --item <path> for one of them)`);
    if (skipped.length > 0) {
      console.log(`\nSkipped (${skipped.length}):`);
      for (const s of skipped.slice(0, 50)) console.log(`  ${printable(s.path)}  ${printable(s.reason)}`);
    }
    return 0;
  } finally {
    bar.clear();
    await core.close();
  }
}
