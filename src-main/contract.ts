/**
 * The one typed API between Pretext's core and every user interface.
 *
 * Each call and each event is declared once, in `calls` and `events` below. The Electron preload,
 * the ipcMain handlers, the `pretext serve` WebSocket transport and the renderer client are all
 * generated from these two tables, so adding a call means one line here and one handler in the core.
 *
 * This file is imported by the renderer (types only) and by the preload (values): keep it free of
 * Node and Electron imports.
 */

/** Phantom marker carrying a call's request and response types; the runtime value is empty. */
export interface CallSpec<Req, Res> {
  readonly request?: Req;
  readonly response?: Res;
}
/** Phantom marker carrying an event's payload type. */
export interface EventSpec<Payload> {
  readonly payload?: Payload;
}
const call = <Req, Res>(): CallSpec<Req, Res> => ({});
const event = <Payload>(): EventSpec<Payload> => ({});

export type Modality = 'image' | 'text' | 'audio';
export const MODALITIES: readonly Modality[] = ['image', 'text', 'audio'];

export type ShellKind = 'electron' | 'browser';

export interface AppInfo {
  name: string;
  version: string;
  /** Absolute path of the SQLite database the core is using. */
  databasePath: string;
  /** Which door the core was opened through. */
  shell: 'electron' | 'serve' | 'cli';
  node: string;
  platform: string;
  /** Where this core process runs and why (shown in the app's details). */
  core?: CoreRuntime;
}

/**
 * The process the core runs in: `pretext serve` and the CLI run it in their own Node; the window in
 * a child process, an Electron utility process when installed or the user's Node from a checkout
 * (src-main/electron/host-selection.ts).
 */
export interface CoreRuntime {
  host: 'utility-process' | 'node' | 'in-process';
  /** What it runs on, e.g. `Electron 45.5.0 (Node 22.20.0)` or `Node 20.20.2`. */
  runtime: string;
  /** Why it runs there, in a sentence. */
  reason: string;
}

export type DatasetStatus = 'importing' | 'ready' | 'failed';

export interface DatasetSummary {
  id: number;
  name: string;
  /** Absolute path of the folder on the core's disk. */
  root: string;
  status: DatasetStatus;
  createdAt: string;
  updatedAt: string;
  /** Items that imported well, by modality. */
  counts: Record<Modality, number>;
  /** Items that imported well, total. */
  total: number;
  /** Files or rows that were recorded but not imported, with a reason each. */
  skipped: number;
  /** Labels from class sub-folders (or a label column), with counts of good items. */
  labels: LabelCount[];
  /** Error of the last import, when it failed as a whole (e.g. the folder vanished). */
  error: string | null;
}

export interface LabelCount {
  label: string | null;
  count: number;
}

export type ItemStatus = 'ok' | 'skipped';

export interface ItemMeta {
  /** image */
  width?: number;
  height?: number;
  channels?: number;
  /** audio */
  durationSec?: number;
  sampleRate?: number;
  audioChannels?: number;
  /** text */
  chars?: number;
  /** The first few hundred characters, for previews. */
  snippet?: string;
  /** Which detector decided the type, e.g. "png" from magic bytes. */
  format?: string;
  /** Set when content and extension disagree but the content was understood. */
  note?: string;
  /** The real path a symbolic link led to when the file was imported; reads must still lead there. */
  linkTarget?: string;
}

export interface ItemRow {
  id: number;
  datasetId: number;
  /** Path relative to the dataset root, with forward slashes. */
  path: string;
  /** Row number (1-based, header excluded) for csv/tsv/jsonl items; null for whole files. */
  row: number | null;
  modality: Modality | null;
  label: string | null;
  size: number;
  status: ItemStatus;
  /** Why the file or row was skipped. */
  error: string | null;
  meta: ItemMeta;
}

export interface ItemsQuery {
  datasetId: number;
  status?: ItemStatus;
  modality?: Modality;
  /** Filter by label; `null` selects unlabelled items. Omit for all. */
  label?: string | null;
  offset?: number;
  /** At most 500. */
  limit?: number;
}

export interface ItemsPage {
  items: ItemRow[];
  total: number;
}

export interface ImportOptions {
  /** Absolute path of a folder on the core's disk. */
  path: string;
  /** Display name; defaults to the folder's name. */
  name?: string;
  /** For csv/tsv/jsonl: the column holding the text; detected when omitted. */
  textColumn?: string;
}

export interface ImportReport {
  datasetId: number;
  /** New items added by this import. */
  added: number;
  /** Items whose file changed and were read again. */
  updated: number;
  /** Items whose file disappeared and were removed. */
  removed: number;
  /** Items whose file was unchanged. */
  unchanged: number;
  /** Files or rows skipped, with reasons (in the dataset's item list). */
  skipped: number;
  /** Entries passed over (hidden files, symlink loops, unreadable folders, sockets…): their count, */
  ignored: number;
  /** and each with its reason (the first MAX_IGNORED_LISTED of them; `ignored` counts all). */
  ignoredEntries: IgnoredEntry[];
  seconds: number;
  dataset: DatasetSummary;
}

/** An entry of an imported folder that is not an item, and why. */
export interface IgnoredEntry {
  /** Relative to the dataset folder, with forward slashes. */
  path: string;
  reason: string;
}

/** At most this many ignored entries are listed in an import report. */
export const MAX_IGNORED_LISTED = 1000;

export type ImportPhase = 'counting' | 'importing' | 'finishing' | 'done' | 'failed';

export interface ImportProgress {
  datasetId: number;
  root: string;
  phase: ImportPhase;
  /** Files looked at so far. */
  filesDone: number;
  /** Files found by the counting pass (0 while counting). */
  filesTotal: number;
  /** Items (files or rows) recorded so far, good and skipped. */
  itemsDone: number;
  skipped: number;
  /** The file being read, relative to the root. */
  current: string | null;
  message: string | null;
}

export type PathKind = 'directory' | 'file' | 'missing' | 'unreadable';

export interface PathCheck {
  path: string;
  /** Absolute, normalised path. */
  resolved: string;
  kind: PathKind;
  ok: boolean;
  /** Human explanation when not ok, or a short summary when ok. */
  message: string;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

/**
 * One setting of a run, declared once where it is used — by the training loop, by a modality's data
 * (image size), or by a method (temperature) — from which the new-run form, `pretext train --param`,
 * `pretext methods` and the core's validation are all generated.
 */
export interface ParamSpec {
  /** Key in TrainSettings.params, camelCase: 'temperature'. */
  name: string;
  /** Short label for the form: 'Temperature'. */
  label: string;
  type: 'integer' | 'number' | 'boolean' | 'choice';
  default: ParamValue;
  /** Inclusive range of a number. */
  min?: number;
  max?: number;
  /** A value outside the range that means "chosen from the data", and how the form names it. */
  auto?: { value: number; label: string };
  /** Allowed values of a 'choice'. */
  choices?: readonly string[];
  /** Unit of a number: 'epochs', 'px', 'examples'. */
  unit?: string;
  /** One line for the form's hint and `pretext methods`. */
  help: string;
  /** Whose setting it is. */
  scope: 'training' | 'data' | 'method';
  /**
   * The modalities it applies to, where not all of the method's: a data setting's modality (a method
   * of images and audio has both kinds), a method setting of some of them (SimCLR's crops on images,
   * its text encoder on text). The form shows the dataset's; a run stores only its modality's.
   */
  modalities?: Modality[];
  /** Hidden under "More settings" in the form. */
  advanced?: boolean;
  /**
   * Set when the method chooses the default from the data's shape (never its labels), saying how:
   * "4e-3 for images under 48 px, else 2e-3". Left empty, the form lets the method choose.
   */
  fromData?: string;
}

export interface MethodInfo {
  id: string;
  name: string;
  /** Family in the literature: 'contrastive', 'baseline', … */
  family: string;
  description: string;
  modalities: Modality[];
  /** False for baselines that need no training (raw pixels). */
  trains: boolean;
  /** Every setting of a run with this method: the loop's (if it trains), the data's, the method's. */
  params: ParamSpec[];
}

/** The settings a user chooses for a run; everything omitted takes its default. */
export interface TrainSettings {
  method?: string;
  /** 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu'; omitted = the fastest available. */
  backend?: string;
  /** Values by ParamSpec.name (see `methods.list`); omitted ones take their defaults. */
  params?: ParamValues;
}

/** What one input looks like to a run's encoder; stored with the run, used for every later embedding. */
export interface ImageInputSpec {
  modality: 'image';
  /** Side in pixels (images are centre-cropped to a square). */
  size: number;
  channels: 1 | 3;
  /** Pixel values are scaled to [0, 1]. */
  scale: '0-1';
}

/** Ids of the special tokens, the same in every text run's vocabulary (see `TEXT_SPECIAL_TOKENS`). */
export const TEXT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '[DEL]'] as const;
export const TEXT_TOKEN_IDS = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4, del: 5 } as const;

/**
 * Text as a run's encoder sees it: token ids from a subword tokenizer trained on the run's dataset.
 * The tokenizer travels with the spec (and so with the run and its checkpoints): a later import of
 * more text never changes the ids a trained run embeds with.
 */
export interface TextInputSpec {
  modality: 'text';
  /** The trained tokenizer, serialised (Hugging Face `tokenizers` JSON); its first ids are TEXT_SPECIAL_TOKENS. */
  tokenizer: string;
  /** 'wordpiece' | 'bpe'. */
  tokenizerKind: string;
  /** Tokens in the vocabulary, special tokens included. */
  vocabSize: number;
  /** Tokens per example, [CLS] and [SEP] included; longer texts are truncated. */
  maxLength: number;
  /** Texts are lower-cased (and accents stripped) before tokenising. */
  lowercase: boolean;
}

/**
 * Audio as a run's encoder sees it: a log-mel spectrogram of a fixed duration, shaped like a
 * one-channel image [melBands, frames, 1] (frequency × time), normalised with statistics of the
 * run's own clips. Clips are mixed to mono and resampled to `sampleRate` first.
 */
export interface AudioInputSpec {
  modality: 'audio';
  /** Hz clips are resampled to (default 16000). */
  sampleRate: number;
  /** STFT (Hann) window in milliseconds (default 25). */
  windowMs: number;
  /** STFT hop in milliseconds (default 10). */
  hopMs: number;
  /** Mel bands, HTK scale from 0 Hz to sampleRate / 2 (default 64). */
  melBands: number;
  /** Duration of one model input in seconds (default: the clips' median duration, 0.5 to 10 s). */
  clipSeconds: number;
  /** Frames of one model input: clipSeconds at hopMs. */
  frames: number;
  /** Log-mel normalisation, (x − mean) / std, measured on the run's clips; std 0 until measured. */
  mean: number;
  std: number;
  /**
   * How an embedding reads a clip longer than one input: its centre input ('centre'), or the mean of
   * the embeddings of half-overlapping inputs over it ('windows'). Absent (specs stored before the
   * setting existed): 'centre'.
   */
  extraction?: AudioExtraction;
}

export const AUDIO_EXTRACTIONS = ['centre', 'windows'] as const;
export type AudioExtraction = (typeof AUDIO_EXTRACTIONS)[number];

export type InputSpec = ImageInputSpec | TextInputSpec | AudioInputSpec;

/** Quality of a run's frozen embeddings at one point of training. */
export interface EvaluationPoint {
  /** 0: before the first step (the random encoder); N: after epoch N. */
  epoch: number;
  step: number;
  /** Computed on every item's final embedding (true), or on a sample after an epoch (false). */
  final: boolean;
  /** Items the numbers are computed on. */
  items: number;
  /** Held-out accuracy of a cosine kNN (k=20, weighted votes); null without labels. */
  knn: number | null;
  /** Held-out accuracy of a logistic-regression probe; null without labels. */
  linear: number | null;
  /** Wang & Isola 2020: mean squared distance of two views' normalised embeddings (lower = more invariant). */
  alignment: number | null;
  /** Wang & Isola 2020: log mean Gaussian potential of normalised embeddings (lower = more spread). */
  uniformity: number | null;
  /** Roy & Vetterli 2007: effective number of dimensions used, 1..dim. */
  effectiveRank: number | null;
  /** Mean per-dimension variance of the normalised embeddings. */
  meanVariance: number | null;
  /** A sentence when the embeddings collapsed (near-zero variance or rank); else null. */
  collapse: string | null;
  seconds: number;
}

export interface RunSummary {
  id: number;
  datasetId: number;
  datasetName: string;
  method: string;
  status: RunStatus;
  error: string | null;
  /** The complete configuration as stored: { method, backend?, params, inputSpec? }. */
  config: Record<string, unknown>;
  /** Every parameter's value (defaults filled in). */
  params: ParamValues;
  /** The input the encoder was trained on; null before training started. */
  inputSpec: InputSpec | null;
  /** The last evaluation (final if there is one), for lists. */
  evaluation: EvaluationPoint | null;
  seed: number;
  backend: string | null;
  /** The backend's adapter and why faster backends were not used, as the run started; null before it started (or for runs of Pretext before 0.1.1). */
  backendDetails: RunBackendDetails | null;
  epochs: number;
  epochsDone: number;
  stepsDone: number;
  trainSeconds: number;
  embeddingDim: number | null;
  /** Items with a stored embedding. */
  vectors: number;
  /** The last logged loss, and the first, to show whether it fell. */
  firstLoss: number | null;
  lastLoss: number | null;
  createdAt: string;
  finishedAt: string | null;
  /** A checkpoint exists to resume from. */
  resumable: boolean;
  /** Stored 2-D maps (projections) of the run's embeddings. */
  projections: number;
}

export interface MetricPoint {
  step: number;
  epoch: number;
  /** The total loss the optimiser minimised. */
  loss: number;
  /**
   * Its named parts, when the method has several (`reconstruction`, `kl`); {} otherwise. A part named
   * `accuracy` or ending in `Accuracy` is a share in [0, 1] the step measured (a pretext task's
   * accuracy), not a loss: the chart gives it an axis of its own.
   */
  parts: Record<string, number>;
  lr: number;
  examplesPerSec: number;
  elapsedSec: number;
}

export type TrainingPhase = 'starting' | 'preparing' | 'training' | 'evaluating' | 'extracting' | 'completed' | 'failed' | 'cancelled';

export interface TrainingProgress {
  runId: number;
  datasetId: number;
  phase: TrainingPhase;
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number | null;
  learningRate: number | null;
  /** Training examples per second, averaged over recent steps. */
  examplesPerSec: number | null;
  etaSec: number | null;
  /** Progress of the preparing/extracting phases. */
  done: number;
  total: number;
  backend: string | null;
  message: string | null;
  /** Metric points logged since the previous event (every step, none dropped). */
  metrics: MetricPoint[];
  /** Evaluations computed since the previous event. */
  evaluations: EvaluationPoint[];
}

/** Why a backend faster than the one in use could not be used. */
export interface BackendUnavailable {
  backend: string;
  why: string;
}

/** The adapter the webgpu backend computes on, as WebGPU reports it. */
export interface GpuAdapterInfo {
  /** 'nvidia', 'amd', 'intel', 'apple', 'google' (SwiftShader), … */
  vendor: string;
  /** 'ampere', 'rdna-3', 'gen-12lp', 'swiftshader', … (may be empty). */
  architecture: string;
  /** The driver's description of the device (may be empty). */
  description: string;
  /** A software or fallback adapter (SwiftShader, lavapipe): it computes on the CPU and is never chosen automatically. */
  software: boolean;
  /** The largest tensor, in bytes, the adapter holds in one buffer (min of maxStorageBufferBindingSize and maxBufferSize). */
  maxBufferBytes: number;
}

/** The backend a run trained on, with the adapter (webgpu) and why faster backends were not used. */
export interface RunBackendDetails {
  adapter: GpuAdapterInfo | null;
  unavailable: BackendUnavailable[];
}

export interface EngineInfo {
  backend: string;
  threads: number;
  simd: boolean;
  /** The GPU adapter when the backend is webgpu; null otherwise. */
  adapter: GpuAdapterInfo | null;
  /** Why each faster backend is not used. */
  unavailable: BackendUnavailable[];
  methods: { id: string; name: string; description: string; modalities: Modality[] }[];
}

/**
 * A strip of images a run drew after one epoch (methods that rebuild their input: originals beside
 * their reconstructions, or the masked input and its fill-in), stored with the run as a PNG of
 * `rows` × `items` images, served at `/data/run/<runId>/previews/<epoch>.png`.
 */
export interface RunPreview {
  runId: number;
  epoch: number;
  step: number;
  /** What each row shows, top to bottom: 'Original', 'Reconstruction', 'Masked input', 'Fill-in'. */
  rows: string[];
  /** The items shown, one column each, left to right (held-out items when the run has a held-out split). */
  items: { itemId: number; path: string; label: string | null }[];
  /**
   * Width of one image in the PNG, and the gap between images, in pixels. Images are square but for
   * spectrograms, whose height is the strip's: (height − (rows − 1) · gap) / rows.
   */
  cell: number;
  gap: number;
  width: number;
  height: number;
  createdAt: string;
}

/** A trained run's embeddings of another dataset (`pretext embed`), kept apart from the run's own. */
export interface VectorSetSummary {
  id: number;
  runId: number;
  datasetId: number;
  datasetName: string;
  root: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  dim: number;
  vectors: number;
  /** Items that could not be read or embedded, with the reason (files skipped by the import are in the dataset's own list). */
  skipped: { path: string; reason: string }[];
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface EmbedProgress {
  runId: number;
  setId: number;
  phase: 'preparing' | 'embedding' | 'completed' | 'failed' | 'cancelled';
  done: number;
  total: number;
  message: string | null;
}

export type ProjectionMethod = 'umap' | 'pca';

export interface ProjectionSettings {
  method: ProjectionMethod;
  /** Default 1. The same seed and data give the same coordinates. */
  seed?: number;
  /** UMAP neighbours, default 15. */
  neighbors?: number;
  /** UMAP minimum distance, default 0.1. */
  minDist?: number;
}

export interface ProjectionSummary {
  id: number;
  runId: number;
  method: ProjectionMethod;
  /** Complete settings (defaults filled in). */
  settings: Required<ProjectionSettings>;
  points: number;
  /** When UMAP was fitted on a sample and the rest placed with `transform`: the sample size; else null. */
  fittedOn: number | null;
  /** When the embedding was first reduced with PCA before UMAP: the number of components; else null. */
  pcaComponents: number | null;
  seconds: number;
  createdAt: string;
}

export type ProjectionPhase = 'starting' | 'loading' | 'pca' | 'fitting' | 'placing' | 'saving' | 'done' | 'failed' | 'cancelled';

export interface ProjectionProgress {
  runId: number;
  phase: ProjectionPhase;
  /** Progress within the phase, e.g. UMAP epochs. */
  done: number;
  total: number;
  message: string | null;
}

export interface SimilarItem {
  itemId: number;
  path: string;
  row: number | null;
  label: string | null;
  modality: Modality | null;
  /** Cosine similarity to the query, in [-1, 1]. */
  similarity: number;
}

export interface SearchResult {
  results: SimilarItem[];
  /** 'exact' (brute force over every vector) or 'index' (approximate nearest-neighbour index). */
  strategy: 'exact' | 'index';
  milliseconds: number;
  /** Set when a vector set was searched (`setId`): its results are items of this dataset, their paths relative to `root`. */
  set?: { id: number; datasetId: number; datasetName: string; root: string };
}

export type SelectionExportKind = 'embeddings' | 'coordinates' | 'paths';

/**
 * How embeddings are exported: `csv`, Pretext's `path,label,e0,…`; `lightly`, Lightly's
 * embeddings.csv (`filenames,embedding_0,…,labels`, integer class indices); `npy`, a NumPy float32
 * [N, D] array whose rows are in the CSV's order; `parquet`, columns path, label and embedding (a
 * list of float32) (see core/export-formats.ts).
 */
export type EmbeddingsFormat = 'csv' | 'lightly' | 'npy' | 'parquet';
export const EMBEDDINGS_FORMATS: readonly EmbeddingsFormat[] = ['csv', 'lightly', 'npy', 'parquet'];

/**
 * Binary layout of `/data/run/<runId>/points.bin?projection=<id>` (little-endian), served by both shells:
 *   u32 magic 0x50545850 ('PXTP'), u32 headerBytes, UTF-8 JSON header { count, labels: string[] },
 *   padding to a multiple of 4, then Int32 itemIds[count], Float32 xy[count * 2], Int32 labelIndex[count] (-1 = none).
 */
export const POINTS_MAGIC = 0x50545850;

/** A thumbnail (of an image; `spectrogram`, a PNG of an audio clip's first seconds) or the media of an item, as served to previews. */
export type MediaKind = 'thumb' | 'spectrogram' | 'audio' | 'text';

export const calls = {
  'app.info': call<void, AppInfo>(),
  'datasets.list': call<void, DatasetSummary[]>(),
  'datasets.get': call<{ datasetId: number }, DatasetSummary>(),
  'datasets.items': call<ItemsQuery, ItemsPage>(),
  'datasets.import': call<ImportOptions, ImportReport>(),
  'datasets.cancelImport': call<{ root: string }, { cancelled: boolean }>(),
  'datasets.remove': call<{ datasetId: number }, { removed: boolean }>(),
  'fs.checkPath': call<{ path: string }, PathCheck>(),
  'engine.info': call<void, EngineInfo>(),
  'runs.list': call<{ datasetId?: number }, RunSummary[]>(),
  'runs.get': call<{ runId: number }, RunSummary>(),
  'runs.metrics': call<{ runId: number; afterStep?: number }, MetricPoint[]>(),
  /** Every evaluation of the run, in order (epoch 0 first, the final one last). */
  'runs.evaluations': call<{ runId: number }, EvaluationPoint[]>(),
  /** The run's preview strips, one per epoch in order (none for methods that draw none). */
  'runs.previews': call<{ runId: number }, RunPreview[]>(),
  /** Every registered method with its parameters. */
  'methods.list': call<void, MethodInfo[]>(),
  /**
   * Embeds another dataset (or a folder, imported first) with a trained run's encoder, as its own
   * vector set; progress arrives as `embed.progress`. Resolves when done.
   */
  'runs.embed': call<{ runId: number; datasetId?: number; path?: string }, VectorSetSummary>(),
  'runs.vectorSets': call<{ runId: number }, VectorSetSummary[]>(),
  /** Writes a vector set as CSV (the layout of runs.exportCsv). */
  'exports.vectorSet': call<{ setId: number; path: string; overwrite?: boolean; format?: EmbeddingsFormat }, { path: string; rows: number }>(),
  /** Starts a run in the background; progress arrives as `training.progress` events. */
  'runs.start': call<{ datasetId: number; settings: TrainSettings }, RunSummary>(),
  'runs.resume': call<{ runId: number }, RunSummary>(),
  'runs.cancel': call<{ runId: number }, { cancelled: boolean }>(),
  'runs.remove': call<{ runId: number }, { removed: boolean }>(),
  /** Writes the run's embeddings as CSV to a path on the core's disk (the Electron save dialog's choice). */
  /** Writes the run's embeddings to a file (CSV unless `format` says otherwise); an existing file is refused unless `overwrite`. */
  'runs.exportCsv': call<{ runId: number; path: string; overwrite?: boolean; format?: EmbeddingsFormat }, { path: string; rows: number }>(),
  /** Computes (in a worker) and stores a 2-D projection; progress arrives as `projection.progress` events. */
  'projections.compute': call<{ runId: number; settings: ProjectionSettings }, ProjectionSummary>(),
  'projections.list': call<{ runId: number }, ProjectionSummary[]>(),
  'projections.cancel': call<{ runId: number }, { cancelled: boolean }>(),
  /**
   * Top-k most similar items by cosine to an item. Searched among the run's own items, or with
   * `setId` among one of its vector sets (`runs.vectorSets`); the item's vector is the run's own, or
   * with `itemSetId` the one a vector set of the run holds. The same set in both searches within it.
   */
  'search.similarToItem': call<{ runId: number; itemId: number; k?: number; setId?: number; itemSetId?: number }, SearchResult>(),
  /** Top-k most similar items to a new file, embedded with the run's encoder (among a vector set's with `setId`); the file travels as base64. */
  'search.similarToFile': call<{ runId: number; fileName: string; base64: string; k?: number; setId?: number }, SearchResult>(),
  /** Top-k most similar items to a typed text, embedded with a text run's tokenizer and encoder as a text file would be. */
  'search.similarToText': call<{ runId: number; text: string; k?: number; setId?: number }, SearchResult>(),
  'items.get': call<{ itemId: number }, ItemRow>(),
  /** Writes a CSV (or a list of paths) of the given items to a path on the core's disk (Electron). */
  'exports.selection': call<
    { runId: number; itemIds: number[]; kind: SelectionExportKind; projectionId?: number; path: string; overwrite?: boolean },
    { path: string; rows: number }
  >(),
} as const;

/**
 * The nearest-neighbour index of a run (or of one of its vector sets) being built in the core's
 * index worker; exact search answers until `done` reaches `total`.
 */
export interface IndexProgress {
  runId: number;
  /** The vector set indexed, or null for the run's own items. */
  setId: number | null;
  /** Vectors added so far, of `total`. */
  done: number;
  total: number;
}

export const events = {
  'import.progress': event<ImportProgress>(),
  'training.progress': event<TrainingProgress>(),
  'projection.progress': event<ProjectionProgress>(),
  'embed.progress': event<EmbedProgress>(),
  'index.progress': event<IndexProgress>(),
} as const;

export type Calls = typeof calls;
export type Events = typeof events;
export type CallName = keyof Calls;
export type EventName = keyof Events;
export type RequestOf<K extends CallName> = Calls[K] extends CallSpec<infer Req, unknown> ? Req : never;
export type ResponseOf<K extends CallName> = Calls[K] extends CallSpec<unknown, infer Res> ? Res : never;
export type PayloadOf<K extends EventName> = Events[K] extends EventSpec<infer P> ? P : never;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/** The client every renderer component talks to: one async function per call. */
export type ApiClient = {
  [K in CallName]: (request: RequestOf<K>) => Promise<ResponseOf<K>>;
};

/** What the core implements: the same functions, given the caller's context. */
export type ApiHandlers = {
  [K in CallName]: (request: RequestOf<K>) => Promise<ResponseOf<K>>;
};

export type Unsubscribe = () => void;

/** Event subscription, the same in every shell. */
export interface EventSource {
  on<K extends EventName>(name: K, listener: (payload: PayloadOf<K>) => void): Unsubscribe;
}

/**
 * Shell-only capabilities. The Electron preload provides a native folder picker and file-to-path
 * resolution for drag-and-drop; a browser talking to `pretext serve` has neither, so the renderer
 * offers a path field instead.
 */
export interface ShellCapabilities {
  kind: ShellKind;
  pickFolder?: () => Promise<string | null>;
  pathForFile?: (file: File) => string;
}

/** The object the Electron preload exposes on `window.pretext`. */
/**
 * What a call answers across a process boundary: errors travel as values, so that their code
 * (`cancelled`, `conflict`, …) reaches the renderer in every shell (an Error thrown through
 * Electron's contextBridge keeps only its message).
 */
export type CallOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

export interface PreloadBridge {
  /** One call of the contract; the renderer turns a failed outcome into a CallError with its code. */
  invoke: (name: CallName, request: unknown) => Promise<CallOutcome>;
  on: EventSource['on'];
  pickFolder: () => Promise<string | null>;
  pathForFile: (file: File) => string;
}

/** IPC channel names, shared by the preload and the ipcMain handlers. */
export const ipcChannel = {
  call: (name: CallName): string => `pretext:call:${name}`,
  event: 'pretext:event',
  pickFolder: 'pretext:shell:pickFolder',
} as const;

/** Scheme and URL shapes for item media (thumbnails, audio, text), shared by both shells. */
export const MEDIA_SCHEME = 'pretext-media';
export function mediaPath(itemId: number, kind: MediaKind): string {
  return `/media/${kind}/${itemId}`;
}
export function parseMediaPath(pathname: string): { itemId: number; kind: MediaKind } | null {
  const m = /^\/media\/(thumb|spectrogram|audio|text)\/(\d+)$/.exec(pathname);
  if (!m) return null;
  return { kind: m[1] as MediaKind, itemId: Number(m[2]) };
}

/** Wire format of the serve transport (one JSON object per WebSocket message). */
export type WireRequest = { type: 'call'; id: number; name: CallName; request: unknown };
export type WireMessage =
  | { type: 'result'; id: number; response: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'event'; name: EventName; payload: unknown };
export interface WireError {
  message: string;
  code: string;
}

export type ErrorCode = 'not_found' | 'bad_request' | 'conflict' | 'cancelled' | 'internal' | 'unauthorized';

/** The HTTP status of each error code: one table for serve's routes and Electron's app:// protocol. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  not_found: 404,
  bad_request: 400,
  conflict: 409,
  cancelled: 409,
  unauthorized: 401,
  internal: 500,
};

/** An error with a code the UI can act on; thrown by the core, carried across every transport. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
