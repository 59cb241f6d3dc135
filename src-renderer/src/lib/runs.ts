/**
 * How training runs are named and shown: status badges, phase lines, numbers of the live panel, the
 * runs list's rows and the config table. Pure, tested in test/renderer.
 */
import type { EngineInfo, GpuAdapterInfo, InputSpec, MethodInfo, Modality, RunStatus, RunSummary, TrainingPhase, TrainingProgress } from '../../../src-main/contract';
import { formatCount, formatElapsed } from './format';
import { formatPercent, progressFraction } from './progress';
import { evaluationBrief, evaluationShort } from './evaluation';
import { formatParamValue } from './train-settings';

const FINAL_PHASES: readonly TrainingPhase[] = ['completed', 'failed', 'cancelled'];

/** True for the phases after which a run sends no more progress. */
export function isFinalPhase(phase: TrainingPhase): boolean {
  return FINAL_PHASES.includes(phase);
}

/** True while a stored status says the run is (or is about to be) training. */
export function isActiveStatus(status: RunStatus): boolean {
  return status === 'running' || status === 'queued';
}

/**
 * The status to show. Live progress is newer than the stored summary: a run that sends progress is
 * running even if the list still says "cancelled" (it was just resumed), and a run whose last event
 * said "completed" is completed even if the list was loaded a moment before the core recorded it.
 */
export function displayStatus(run: Pick<RunSummary, 'status'>, live: Pick<TrainingProgress, 'phase'> | null | undefined): RunStatus {
  if (!live) return run.status;
  if (!isFinalPhase(live.phase)) return 'running';
  if (isActiveStatus(run.status)) return live.phase as RunStatus;
  return run.status;
}

export type RunTone = 'importing' | 'ready' | 'failed' | 'warn' | 'neutral';

export interface RunBadge {
  text: string;
  /** A class of app.css's `.badge` ("importing" is the accent tone). */
  tone: RunTone;
}

export function runStatusBadge(status: RunStatus): RunBadge {
  switch (status) {
    case 'queued':
      return { text: 'Queued', tone: 'neutral' };
    case 'running':
      return { text: 'Running', tone: 'importing' };
    case 'completed':
      return { text: 'Completed', tone: 'ready' };
    case 'failed':
      return { text: 'Failed', tone: 'failed' };
    case 'cancelled':
      return { text: 'Cancelled', tone: 'warn' };
    case 'interrupted':
      return { text: 'Interrupted', tone: 'warn' };
  }
}

/** Time left as m:ss, or h:mm:ss from an hour: 75 → "1:15", 3725 → "1:02:05". */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–:––';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A loss with four significant digits: 4.12345 → "4.123", 0.0123456 → "0.01235", 12.3456 → "12.35". */
export function formatLoss(loss: number | null | undefined): string {
  if (loss === null || loss === undefined || Number.isNaN(loss)) return '–';
  if (!Number.isFinite(loss)) return loss > 0 ? '∞' : '−∞';
  if (loss !== 0 && Math.abs(loss) < 1e-3) return loss.toExponential(2);
  if (Math.abs(loss) >= 1e4) return formatCount(loss);
  return loss.toPrecision(4);
}

/** Learning rates: small ones in compact scientific form (0.001 → "1e-3", 0.00053 → "5.3e-4"), others plain (0.5, 10). */
export function formatLearningRate(lr: number | null | undefined): string {
  if (lr === null || lr === undefined || !Number.isFinite(lr)) return '–';
  if (lr === 0) return '0';
  if (Math.abs(lr) >= 0.01 && Math.abs(lr) < 1e4) return String(Number(lr.toPrecision(3)));
  const [mantissa = '', exponent = ''] = lr.toExponential(2).split('e');
  const m = mantissa.replace(/\.?0+$/, '');
  return `${m}e${exponent.replace('+', '')}`;
}

/** Throughput: 1234.5 → "1,235", 45.67 → "45.7", 3.456 → "3.46". */
export function formatThroughput(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined || !Number.isFinite(perSec) || perSec < 0) return '–';
  if (perSec >= 100) return formatCount(Math.round(perSec));
  if (perSec >= 10) return perSec.toFixed(1);
  return perSec.toFixed(2);
}

/** Training time: seconds as "0.8 s", "12 s", "2 min 5 s", "1 h 2 min". */
export function formatTrainTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 3600) return formatElapsed(seconds);
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export interface LossTrend {
  direction: 'down' | 'up' | 'flat';
  /** Relative change from the first loss, e.g. -0.42 for a 42% drop; null without both numbers. */
  change: number | null;
  /** "Down 42% from the first loss (4.852)", for a tooltip. */
  text: string;
  /** Beside an arrow: "42% since step 1" (what the change is relative to, always said). */
  short: string;
}

/** Whether the loss fell since the first step. Changes under 0.5% count as flat. */
export function lossTrend(first: number | null | undefined, last: number | null | undefined): LossTrend | null {
  if (first === null || first === undefined || last === null || last === undefined) return null;
  if (!Number.isFinite(first) || !Number.isFinite(last)) return null;
  const change = first !== 0 ? (last - first) / Math.abs(first) : last - first;
  const direction = Math.abs(change) < 0.005 ? 'flat' : change < 0 ? 'down' : 'up';
  const pct = `${Math.round(Math.abs(change) * 100)}%`;
  const text =
    direction === 'flat'
      ? `About the same as the first loss (${formatLoss(first)})`
      : `${direction === 'down' ? 'Down' : 'Up'} ${pct} from the first loss (${formatLoss(first)})`;
  const short = direction === 'flat' ? 'flat since step 1' : `${pct} since step 1`;
  return { direction, change, text, short };
}

export interface PhaseView {
  /** The headline: "Decoding images 120/5,000", "Epoch 3 of 20", "Extracting embeddings 300/5,000". */
  title: string;
  /** Progress of the whole phase (the training phase: steps of all epochs), or null when unknown. */
  fraction: number | null;
  percent: string;
  indeterminate: boolean;
}

/** What the progress panel says for a progress event. */
export function phaseView(p: TrainingProgress | null | undefined): PhaseView {
  if (!p) return { title: 'Starting…', fraction: null, percent: '', indeterminate: true };
  const counted = (label: string, done: number, total: number): PhaseView => {
    const fraction = progressFraction(done, total);
    return {
      title: total > 0 ? `${label} ${formatCount(done)}/${formatCount(total)}` : `${label}…`,
      fraction,
      percent: fraction === null ? '' : formatPercent(fraction),
      indeterminate: fraction === null,
    };
  };
  switch (p.phase) {
    case 'starting':
      return { title: p.backend ? `Starting the ${p.backend} backend…` : 'Starting…', fraction: null, percent: '', indeterminate: true };
    case 'preparing':
      return counted(p.message && /decod/i.test(p.message) ? p.message : 'Decoding images', p.done, p.total);
    case 'training': {
      const fraction = progressFraction(p.step, p.totalSteps);
      return {
        title: p.epochs > 0 ? `Epoch ${formatCount(p.epoch)} of ${formatCount(p.epochs)}` : 'Training',
        fraction,
        percent: fraction === null ? '' : formatPercent(fraction),
        indeterminate: fraction === null,
      };
    }
    case 'evaluating': {
      // The done/total of an evaluation event are the previous phase's: the bar stays where training left it.
      const fraction = progressFraction(p.step, p.totalSteps);
      return { title: 'Evaluating embeddings…', fraction, percent: fraction === null ? '' : formatPercent(fraction), indeterminate: fraction === null };
    }
    case 'extracting':
      return counted('Extracting embeddings', p.done, p.total);
    case 'completed':
      return { title: 'Completed', fraction: 1, percent: '100%', indeterminate: false };
    case 'failed':
      return { title: 'Failed', fraction: progressFraction(p.step, p.totalSteps) ?? 0, percent: '', indeterminate: false };
    case 'cancelled':
      return { title: 'Cancelled', fraction: progressFraction(p.step, p.totalSteps) ?? 0, percent: '', indeterminate: false };
  }
}

export interface RunRow {
  status: RunStatus;
  badge: RunBadge;
  /** "3/20": epochs done (or the epoch being trained) of all; "–" for a run without epochs (a baseline). */
  epochsText: string;
  /** Progress of the whole run for a mini bar while it runs, else null. */
  fraction: number | null;
  lastLoss: number | null;
  trend: LossTrend | null;
  vectors: number;
  /** Accuracy of the run's last evaluation: "0.812 / 0.790" (kNN / linear) and "kNN 0.812 · linear 0.790"; null without. */
  evaluation: { short: string; long: string } | null;
}

function evaluationRow(run: RunSummary): RunRow['evaluation'] {
  const short = evaluationShort(run.evaluation);
  const long = evaluationBrief(run.evaluation);
  return short && long ? { short, long } : null;
}

/** One line of the runs list, from the stored summary and the run's latest progress. */
export function runRow(run: RunSummary, live: TrainingProgress | null | undefined): RunRow {
  const status = displayStatus(run, live);
  const running = live !== null && live !== undefined && !isFinalPhase(live.phase);
  const epochs = running && live.epochs > 0 ? live.epochs : run.epochs;
  const epochsDone = running && live.phase === 'training' ? Math.max(run.epochsDone, live.epoch - 1) : run.epochsDone;
  const lastLoss = (running ? live.loss : null) ?? run.lastLoss;
  let fraction: number | null = null;
  if (running) {
    if (live.phase === 'training' || live.phase === 'evaluating') fraction = progressFraction(live.step, live.totalSteps) ?? 0;
    else if (live.phase === 'extracting') fraction = 1;
    else fraction = 0;
  }
  return {
    status,
    badge: runStatusBadge(status),
    // A baseline (raw pixels) has no epochs.
    epochsText: epochs === 0 && epochsDone === 0 ? '–' : `${formatCount(epochsDone)}/${formatCount(epochs)}`,
    fraction,
    lastLoss,
    trend: lossTrend(run.firstLoss, lastLoss),
    vectors: run.vectors,
    evaluation: evaluationRow(run),
  };
}

/** Human names of the compute backends, for the chip and the backend select. */
export const BACKEND_NAMES: Record<string, string> = {
  'tensorflow-gpu': 'TensorFlow, CUDA GPU',
  webgpu: 'WebGPU (Vulkan, Metal, Direct3D 12)',
  tensorflow: 'TensorFlow, native CPU',
  wasm: 'WebAssembly',
  cpu: 'Plain JavaScript',
};

export function backendName(id: string | null | undefined): string {
  if (!id) return 'Unknown';
  return BACKEND_NAMES[id] ?? id;
}

/** The backends a run can ask for, fastest first, each with why it cannot be used (if known). */
export function backendChoices(engine: EngineInfo | null): { id: string; name: string; unavailable: string | null }[] {
  const order = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
  if (engine && !order.includes(engine.backend)) order.push(engine.backend);
  return order.map((id) => ({
    id,
    name: backendName(id),
    unavailable: engine?.unavailable.find((u) => u.backend === id)?.why ?? null,
  }));
}

/** The chip's one-line summary: "wasm · 8 threads · SIMD", "webgpu · nvidia ampere" or "webgpu · google swiftshader · software". */
export function engineSummary(engine: EngineInfo): string {
  const parts = [engine.backend];
  if (engine.adapter) {
    parts.push([engine.adapter.vendor, engine.adapter.architecture].filter((s) => s !== '').join(' ') || 'adapter');
    if (engine.adapter.software) parts.push('software');
    return parts.join(' · ');
  }
  if (engine.threads > 0) parts.push(`${engine.threads} ${engine.threads === 1 ? 'thread' : 'threads'}`);
  if (engine.simd && engine.backend === 'wasm') parts.push('SIMD');
  return parts.join(' · ');
}

/**
 * The adapter in words: "nvidia ampere (NVIDIA GeForce RTX 3080)", and for a software adapter
 * "google swiftshader (SwiftShader driver 5.0.0), software: computes on the CPU, not a GPU".
 */
export function adapterText(adapter: GpuAdapterInfo): string {
  const name = [adapter.vendor, adapter.architecture].filter((s) => s !== '').join(' ') || 'unnamed adapter';
  return `${name}${adapter.description ? ` (${adapter.description})` : ''}${adapter.software ? ', software: computes on the CPU, not a GPU' : ''}`;
}

export type EngineMethod = EngineInfo['methods'][number];

/** Methods that can train on a dataset with these counts (any modality it has). */
export function methodsFor<M extends { modalities: readonly Modality[] }>(methods: readonly M[], counts: Record<Modality, number> | null | undefined): M[] {
  if (!counts) return [];
  return methods.filter((m) => m.modalities.some((mod) => counts[mod] > 0));
}

/** The method's display name, or its id when the list does not have it. */
export function methodName(methods: readonly { id: string; name: string }[] | null | undefined, id: string): string {
  return methods?.find((m) => m.id === id)?.name ?? id;
}

export interface ConfigRow {
  key: string;
  label: string;
  value: string;
}

/**
 * What the encoder saw: "32×32 px, grey", "64×64 px, colour", "64 tokens, WordPiece vocabulary of
 * 8000, lower-cased" or "1.5 s clips, 64 mel bands × 150 frames at 16 kHz (25 ms window, 10 ms hop)".
 */
export function inputSpecText(spec: InputSpec | null | undefined): string | null {
  if (!spec) return null;
  if (spec.modality === 'text') {
    const kind = spec.tokenizerKind === 'bpe' ? 'BPE' : 'WordPiece';
    return `${spec.maxLength} tokens, ${kind} vocabulary of ${spec.vocabSize}${spec.lowercase ? ', lower-cased' : ''}`;
  }
  if (spec.modality === 'audio') {
    return `${spec.clipSeconds} s clips, ${spec.melBands} mel bands × ${spec.frames} frames at ${spec.sampleRate / 1000} kHz (${spec.windowMs} ms window, ${spec.hopMs} ms hop)${spec.extraction === 'windows' ? ', long clips embedded as the mean over windows' : ''}`;
  }
  return `${spec.size}×${spec.size} px, ${spec.channels === 1 ? 'grey' : 'colour'}`;
}

/**
 * The run's configuration as label/value rows: the method, then every parameter in the method's
 * order with its label and unit (any the method no longer declares after, by name), the backend
 * asked for and the input the encoder was built for.
 */
export function configRows(run: Pick<RunSummary, 'method' | 'params' | 'config' | 'inputSpec'>, method: MethodInfo | null | undefined): ConfigRow[] {
  const rows: ConfigRow[] = [{ key: 'method', label: 'Method', value: method?.name ?? run.method }];
  const params = run.params ?? {};
  const seen = new Set<string>();
  for (const spec of method?.params ?? []) {
    seen.add(spec.name);
    const value = params[spec.name];
    if (value === undefined || value === null) continue;
    rows.push({ key: spec.name, label: spec.label, value: formatParamValue(spec, value) });
  }
  for (const [key, value] of Object.entries(params)) {
    if (seen.has(key) || value === undefined || value === null) continue;
    rows.push({ key, label: key, value: formatParamValue(undefined, value) });
  }
  const backend = run.config?.backend;
  if (typeof backend === 'string' && backend) rows.push({ key: 'backend', label: 'Backend asked for', value: backend });
  const input = inputSpecText(run.inputSpec);
  if (input) rows.push({ key: 'inputSpec', label: 'Input', value: input });
  return rows;
}

/**
 * When a run was created, compact: "14:05" today, "Nov 24, 14:05" this year, "Nov 24, 2024" before.
 * `now` and `locale` are parameters for tests.
 */
export function formatCreated(iso: string, now: Date = new Date(), locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  if (sameDay) return time;
  if (date.getFullYear() === now.getFullYear()) {
    return `${date.toLocaleDateString(locale, { month: 'short', day: 'numeric' })}, ${time}`;
  }
  return date.toLocaleDateString(locale, { month: 'short', day: 'numeric', year: 'numeric' });
}

/** The default file for an Electron export: in the home folder, named after the run. */
export function defaultExportPath(runId: number): string {
  return `~/pretext-run-${runId}.csv`;
}

