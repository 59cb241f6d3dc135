import type {
  DatasetSummary,
  EmbeddingsFormat,
  Modality,
  ProjectionProgress,
  ProjectionSettings,
  ProjectionSummary,
  RunSummary,
  SelectionExportKind,
} from '../../../src-main/contract';
import { LatestOnly } from '../lib/async';
import type { Backend } from '../lib/client';
import { categoryColors, rampColors } from '../lib/color-scales';
import { downloadFrom, type DownloadResult } from '../lib/download';
import { exportFileName, selectionExportBody } from '../lib/explore-export';
import { selectionExportUrl } from '../lib/routes';
import { errorMessage, plural } from '../lib/format';
import { defaultClusterCount } from '../lib/kmeans';
import { DEFAULT_DISAGREEMENT_K, DISAGREEMENT_BINS } from '../lib/knn';
import {
  allShown,
  clusterLegend,
  labelCategories,
  labelLegend,
  NONE_HIDDEN,
  soloKey,
  toggleKey,
  visibleIndices,
  type ColorBy,
  type LegendEntry,
} from '../lib/legend';
import { openingRunId } from '../lib/first-run';
import { dominantModality } from '../lib/modalities';
import { createPointsCompute, type PointsCompute } from '../lib/points-compute';
import {
  checkProjectionForm,
  DEFAULT_PROJECTION,
  formFromSettings,
  newestFirst,
  pickProjection,
  type ProjectionFormValues,
} from '../lib/projection';
import { HoverPreview } from './hover-preview.svelte';
import { ItemCache } from './item-cache.svelte';
import { LossCurve } from './loss-curve.svelte';
import { PointCloud } from './point-cloud.svelte';
import { SimilarSearch } from './similar-search.svelte';

/** What dragging on the map does: move the camera, draw a lasso, or draw a box. */
export type MouseMode = 'pan' | 'lasso' | 'box';

/** Seed of the k-means clustering: fixed, so a map always shows the same clusters. */
export const CLUSTER_SEED = 1;

export interface ExploreOptions {
  /** Makes a map's worker; tests pass an in-process stand-in. */
  compute?: () => PointsCompute;
  fetchPoints?: (url: string) => Promise<ArrayBuffer>;
  /** Browser downloads of POST answers; tests pass a recorder. */
  download?: (url: string, init: RequestInit, fallbackName: string) => Promise<DownloadResult>;
}

/** A projection being computed: by whom it was asked for, and its latest progress. */
export interface ComputeJob {
  runId: number;
  target: 'primary' | 'compare';
  progress: ProjectionProgress | null;
}

export interface ExportOutcome {
  tone: 'success' | 'error';
  text: string;
}

/** One colouring of a map: the category of each point and the colour of each category. */
export interface MapColors {
  categories: Int32Array; // [points]
  palette: string[];
}

/**
 * The Explore screen's state: which run and projection are on the map, computing projections (with
 * `projection.progress`), colours and the legend's filter, the selection and its exports, hover and
 * nearest-neighbour search, and a second run to compare. Points are held by `PointCloud`s as typed
 * arrays; nothing here holds one object per point.
 */
export class ExploreState {
  /** Runs that have embeddings, newest first. */
  runs = $state.raw<RunSummary[]>([]);
  datasets = $state.raw<DatasetSummary[]>([]);
  runId = $state<number | null>(null);
  projections = $state.raw<ProjectionSummary[]>([]);
  projectionsLoading = $state(false);
  projectionsLoaded = $state(false);
  projectionsError = $state<string | null>(null);
  projectionId = $state<number | null>(null);

  form = $state<ProjectionFormValues>(formFromSettings(DEFAULT_PROJECTION));
  formError = $state.raw<{ field: 'neighbors' | 'minDist' | 'seed'; message: string } | null>(null);
  computing = $state.raw<ComputeJob | null>(null);
  cancelling = $state(false);
  computeError = $state<string | null>(null);
  computeNotice = $state<string | null>(null);

  colorBy = $state<ColorBy>('label');
  clusterK = $state(8);
  knnK = $state(DEFAULT_DISAGREEMENT_K);
  hidden = $state.raw<Record<ColorBy, ReadonlySet<number>>>(allShown());
  /** Indices of the selected points of the main map. */
  selection = $state.raw<Uint32Array>(new Uint32Array(0));
  mouseMode = $state<MouseMode>('pan');

  compareRunId = $state<number | null>(null);
  compareProjections = $state.raw<ProjectionSummary[]>([]);
  compareLoaded = $state(false);
  compareError = $state<string | null>(null);
  /** Item links between the two maps: for each compare point its main-map point, and back. */
  alignment = $state.raw<{ toPrimary: Int32Array; fromPrimary: Int32Array } | null>(null);

  /** Which export is running ("selection:paths", "all:embeddings"), or null. */
  exporting = $state<string | null>(null);
  exportOutcome = $state.raw<ExportOutcome | null>(null);

  readonly map: PointCloud;
  readonly compareMap: PointCloud;
  readonly cache: ItemCache;
  readonly hover: HoverPreview;
  readonly search: SimilarSearch;
  /** Loss curves of the main run and of the compared run. */
  readonly curves: readonly [LossCurve, LossCurve];

  readonly #backend: Backend;
  readonly #options: ExploreOptions;
  readonly #projectionsLatest = new LatestOnly();
  readonly #compareLatest = new LatestOnly();
  #preferred: number | null = null;

  constructor(backend: Backend, options: ExploreOptions = {}) {
    this.#backend = backend;
    this.#options = options;
    const cloud = (): PointCloud => new PointCloud({ compute: options.compute ?? createPointsCompute, fetchPoints: options.fetchPoints });
    this.map = cloud();
    this.compareMap = cloud();
    this.cache = new ItemCache(backend);
    this.hover = new HoverPreview(this.cache);
    this.search = new SimilarSearch(backend);
    this.curves = [new LossCurve(backend), new LossCurve(backend)];
  }

  /** Follows projection progress; returns the cleanup, which also stops the maps' workers. */
  start(): () => void {
    const off = this.#backend.events.on('projection.progress', (p) => this.#onProgress(p));
    const offIndex = this.search.followIndexBuilds();
    return () => {
      off();
      offIndex();
      this.hover.dispose();
      this.map.close();
      this.compareMap.close();
    };
  }

  // ——— Runs and projections ———

  get run(): RunSummary | null {
    return this.runs.find((r) => r.id === this.runId) ?? null;
  }

  get dataset(): DatasetSummary | null {
    const run = this.run;
    return run ? (this.datasets.find((d) => d.id === run.datasetId) ?? null) : null;
  }

  /** What the run was trained on (what a dropped file must be). */
  get modality(): Modality | null {
    return dominantModality(this.dataset?.counts);
  }

  get projection(): ProjectionSummary | null {
    return this.projections.find((p) => p.id === this.projectionId) ?? null;
  }

  /** Other runs of the same dataset, to compare with. */
  get compareCandidates(): RunSummary[] {
    const run = this.run;
    return run ? this.runs.filter((r) => r.datasetId === run.datasetId && r.id !== run.id) : [];
  }

  get compareRun(): RunSummary | null {
    return this.runs.find((r) => r.id === this.compareRunId) ?? null;
  }

  /**
   * Keeps the run list in step with the Train tab's; selects a run when none (or a gone one) is: the
   * newest with a map, so that the tab opens on something to see.
   */
  syncRuns(all: readonly RunSummary[]): void {
    const usable = all.filter((r) => r.vectors > 0 && r.embeddingDim !== null).sort((a, b) => b.id - a.id);
    this.runs = usable;
    const preferred = this.#preferred !== null && usable.some((r) => r.id === this.#preferred) ? this.#preferred : null;
    if (preferred !== null) {
      this.#preferred = null;
      if (preferred !== this.runId) void this.selectRun(preferred);
      return;
    }
    if (this.runId === null || !usable.some((r) => r.id === this.runId)) {
      void this.selectRun(openingRunId(usable));
    }
    if (this.compareRunId !== null && !usable.some((r) => r.id === this.compareRunId)) void this.setCompareRun(null);
  }

  syncDatasets(datasets: readonly DatasetSummary[]): void {
    this.datasets = [...datasets];
  }

  /** Shows this run the next time the runs are synced (coming from the Train tab). */
  prefer(runId: number): void {
    this.#preferred = runId;
    if (this.runs.some((r) => r.id === runId)) this.syncRuns(this.runs);
  }

  async selectRun(runId: number | null): Promise<void> {
    if (runId === this.runId && runId !== null) return;
    this.runId = runId;
    this.projections = [];
    this.projectionsLoaded = false;
    this.projectionsError = null;
    this.projectionId = null;
    this.computeError = null;
    this.computeNotice = null;
    this.formError = null;
    this.hidden = allShown();
    this.#clearMapState();
    this.search.clear();
    this.map.close();
    void this.setCompareRun(null);
    if (runId === null) {
      this.curves[0].close();
      return;
    }
    void this.curves[0].open(runId);
    await this.loadProjections();
  }

  /** Loads the run's projections and shows the newest (or keeps the one on screen). */
  async loadProjections(): Promise<void> {
    const runId = this.runId;
    if (runId === null) return;
    const ticket = this.#projectionsLatest.begin();
    this.projectionsLoading = true;
    try {
      const list = newestFirst(await this.#backend.calls['projections.list']({ runId }));
      if (!this.#projectionsLatest.isCurrent(ticket)) return;
      this.projections = list;
      this.projectionsLoaded = true;
      this.projectionsError = null;
      const keep = list.some((p) => p.id === this.projectionId) ? this.projectionId : null;
      await this.selectProjection(keep ?? list[0]?.id ?? null);
    } catch (error) {
      if (!this.#projectionsLatest.isCurrent(ticket)) return;
      this.projectionsError = errorMessage(error);
    } finally {
      if (this.#projectionsLatest.isCurrent(ticket)) this.projectionsLoading = false;
    }
  }

  async selectProjection(projectionId: number | null): Promise<void> {
    const runId = this.runId;
    if (runId === null) return;
    const changed = projectionId !== this.projectionId;
    this.projectionId = projectionId;
    const projection = this.projection;
    if (projection && changed) {
      this.form = formFromSettings(projection.settings);
      this.formError = null;
    }
    if (projectionId === null) {
      this.map.close();
      this.#clearMapState();
      return;
    }
    if (changed || this.map.projectionId !== projectionId) {
      this.#clearMapState();
      this.hidden = { ...this.hidden, cluster: NONE_HIDDEN };
    }
    await this.map.load(runId, projectionId);
    if (this.runId !== runId || this.projectionId !== projectionId || !this.map.points) return;
    if (changed) this.clusterK = defaultClusterCount(this.map.points.labels.length);
    this.#ensureColorData();
    // The compared run shows the projection made like this one, so it may change too.
    if (this.compareRunId !== null && this.compareLoaded) void this.#loadCompareMap();
    else void this.#realign();
  }

  // ——— Computing projections ———

  setFormField<K extends keyof ProjectionFormValues>(field: K, value: ProjectionFormValues[K]): void {
    this.form = { ...this.form, [field]: value };
    if (this.formError?.field === field) this.formError = null;
  }

  /** Computes a projection of the run with the form's settings, then shows it. */
  async compute(): Promise<ProjectionSummary | null> {
    const runId = this.runId;
    if (runId === null || this.computing) return null;
    const check = checkProjectionForm(this.form);
    if (!check.ok) {
      this.formError = { field: check.field, message: check.message };
      return null;
    }
    const summary = await this.#computeFor(runId, 'primary', check.settings);
    if (summary && this.runId === runId) {
      this.projections = newestFirst([summary, ...this.projections.filter((p) => p.id !== summary.id)]);
      await this.selectProjection(summary.id);
    }
    return summary;
  }

  /** Computes, for the compared run, a projection with the main map's settings. */
  async computeCompare(): Promise<ProjectionSummary | null> {
    const runId = this.compareRunId;
    if (runId === null || this.computing) return null;
    const check = checkProjectionForm(this.form);
    const settings = this.projection?.settings ?? (check.ok ? check.settings : DEFAULT_PROJECTION);
    const summary = await this.#computeFor(runId, 'compare', settings);
    if (summary && this.compareRunId === runId) {
      this.compareProjections = newestFirst([summary, ...this.compareProjections]);
      await this.#loadCompareMap();
    }
    return summary;
  }

  async cancelCompute(): Promise<void> {
    const job = this.computing;
    if (!job || this.cancelling) return;
    this.cancelling = true;
    try {
      const { cancelled } = await this.#backend.calls['projections.cancel']({ runId: job.runId });
      if (!cancelled) this.cancelling = false;
    } catch (error) {
      this.cancelling = false;
      this.computeError = `Could not cancel: ${errorMessage(error)}`;
    }
  }

  dismissComputeMessage(): void {
    this.computeError = null;
    this.computeNotice = null;
  }

  async #computeFor(runId: number, target: ComputeJob['target'], settings: ProjectionSettings): Promise<ProjectionSummary | null> {
    this.computing = { runId, target, progress: null };
    this.computeError = null;
    this.computeNotice = null;
    try {
      return await this.#backend.calls['projections.compute']({ runId, settings });
    } catch (error) {
      const text = errorMessage(error);
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'cancelled' || this.cancelling) this.computeNotice = 'The projection was cancelled.';
      else this.computeError = `Could not compute the projection: ${text}`;
      return null;
    } finally {
      this.computing = null;
      this.cancelling = false;
    }
  }

  #onProgress(p: ProjectionProgress): void {
    const job = this.computing;
    if (!job || job.runId !== p.runId) return;
    this.computing = { ...job, progress: p };
  }

  // ——— Colours and legend ———

  /** Each point's label as a colour category (unlabelled last). */
  readonly labelCategories = $derived.by((): Int32Array | null => {
    const points = this.map.points;
    return points ? labelCategories(points.labelIndex, points.labels.length) : null;
  });

  /** The main map's colours in the current mode, or null while they are computed. */
  readonly colors = $derived.by((): MapColors | null => {
    const points = this.map.points;
    if (!points) return null;
    switch (this.colorBy) {
      case 'label':
        return this.labelCategories ? { categories: this.labelCategories, palette: categoryColors(points.labels.length) } : null;
      case 'cluster': {
        const clusters = this.map.clusters;
        return clusters ? { categories: clusters.assignments, palette: categoryColors(clusters.sizes.length) } : null;
      }
      case 'disagreement': {
        const d = this.map.disagreement;
        return d ? { categories: d.bins, palette: rampColors(DISAGREEMENT_BINS) } : null;
      }
    }
  });

  /** The legend's entries, or null for the continuous disagreement scale. */
  readonly legend = $derived.by((): LegendEntry[] | null => {
    const points = this.map.points;
    if (!points) return null;
    if (this.colorBy === 'label') return labelLegend(points.labels, points.labelCounts, this.hidden.label);
    if (this.colorBy === 'cluster') return this.map.clusters ? clusterLegend(this.map.clusters.sizes, this.hidden.cluster) : null;
    return null;
  });

  /** Points to show (the others are toggled off in the legend); null = all. */
  readonly filter = $derived.by((): number[] | null => {
    const colors = this.colors;
    return colors ? visibleIndices(colors.categories, this.hidden[this.colorBy]) : null;
  });

  /**
   * The compared map coloured like the main one, item by item (items it lacks take the "missing"
   * colour); by its own labels while the main map has no colours (no map yet) or is not linked.
   */
  readonly compareColors = $derived.by((): MapColors | null => {
    const colors = this.colors;
    const alignment = this.alignment;
    const points = this.compareMap.points;
    if (!points) return null;
    if (!colors || !alignment) {
      return this.colorBy === 'label' ? { categories: labelCategories(points.labelIndex, points.labels.length), palette: categoryColors(points.labels.length) } : null;
    }
    const missing = colors.palette.length - 1;
    const categories = new Int32Array(points.count);
    for (let j = 0; j < points.count; j++) {
      const i = alignment.toPrimary[j]!;
      categories[j] = i >= 0 ? colors.categories[i]! : missing;
    }
    return { categories, palette: colors.palette };
  });

  readonly compareFilter = $derived.by((): number[] | null => {
    const colors = this.compareColors;
    return colors ? visibleIndices(colors.categories, this.hidden[this.colorBy]) : null;
  });

  /** True while the current colour mode's data is being computed. */
  get colorsBusy(): boolean {
    return (this.colorBy === 'cluster' && this.map.clustersBusy) || (this.colorBy === 'disagreement' && this.map.disagreementBusy);
  }

  setColorBy(mode: ColorBy): void {
    this.colorBy = mode;
    this.#ensureColorData();
  }

  setClusterK(k: number): void {
    if (!Number.isInteger(k) || k < 2 || k === this.clusterK) return;
    this.clusterK = k;
    this.hidden = { ...this.hidden, cluster: NONE_HIDDEN };
    this.#ensureColorData();
  }

  setKnnK(k: number): void {
    if (!Number.isInteger(k) || k < 1 || k === this.knnK) return;
    this.knnK = k;
    this.#ensureColorData();
  }

  toggleLegend(key: number): void {
    this.hidden = { ...this.hidden, [this.colorBy]: toggleKey(this.hidden[this.colorBy], key) };
    this.#dropHiddenFromSelection();
  }

  /** Shows only one entry (or all again when it already is the only one). */
  soloLegend(key: number): void {
    const keys = (this.legend ?? []).map((e) => e.key);
    this.hidden = { ...this.hidden, [this.colorBy]: soloKey(this.hidden[this.colorBy], key, keys) };
    this.#dropHiddenFromSelection();
  }

  showAllLegend(): void {
    this.hidden = { ...this.hidden, [this.colorBy]: NONE_HIDDEN };
  }

  #ensureColorData(): void {
    if (!this.map.points) return;
    if (this.colorBy === 'cluster') void this.map.ensureClusters(this.clusterK, CLUSTER_SEED);
    if (this.colorBy === 'disagreement') void this.map.ensureDisagreement(this.knnK);
  }

  // ——— Selection ———

  get selectionCount(): number {
    return this.selection.length;
  }

  /** The main map's selection changed (lasso, box, click); indices of its points. */
  setSelection(indices: ArrayLike<number>): void {
    this.selection = Uint32Array.from(indices);
    this.exportOutcome = null;
  }

  /** The compared map's selection changed: the same items are selected on the main map. */
  setSelectionFromCompare(indices: ArrayLike<number>): void {
    const alignment = this.alignment;
    if (!alignment) return;
    const out: number[] = [];
    for (let i = 0; i < indices.length; i++) {
      const p = alignment.toPrimary[indices[i]!]!;
      if (p >= 0) out.push(p);
    }
    this.setSelection(out);
  }

  /** Selects the points of some items (the test hook and "select these" in search). Returns how many. */
  selectItems(itemIds: readonly number[]): number {
    const out: number[] = [];
    for (const id of itemIds) {
      const i = this.map.indexOf(id);
      if (i >= 0) out.push(i);
    }
    this.setSelection(out);
    return out.length;
  }

  clearSelection(): void {
    this.setSelection([]);
  }

  /** The compared map's points of the selected items. */
  readonly compareSelection = $derived.by((): Uint32Array => {
    const alignment = this.alignment;
    if (!alignment || this.selection.length === 0) return new Uint32Array(0);
    const out: number[] = [];
    for (const i of this.selection) {
      const j = alignment.fromPrimary[i]!;
      if (j >= 0) out.push(j);
    }
    return Uint32Array.from(out);
  });

  selectedItemIds(): Int32Array {
    return this.map.itemIdsOf(this.selection);
  }

  #dropHiddenFromSelection(): void {
    const filter = this.filter;
    if (!filter || this.selection.length === 0) return;
    const shown = new Uint8Array(this.map.count);
    for (const i of filter) shown[i] = 1;
    const kept = this.selection.filter((i) => shown[i] === 1);
    if (kept.length !== this.selection.length) this.setSelection(kept);
  }

  // ——— Hover and search ———

  /** The pointer moved onto a point (index ≥ 0) or off every point (null) of one map. */
  hoverPoint(map: 'primary' | 'compare', index: number | null): void {
    const cloud = map === 'primary' ? this.map : this.compareMap;
    const ids = cloud.points?.itemIds;
    if (index === null || index < 0 || !ids || index >= ids.length) {
      if (this.hover.target?.map === map) this.hover.hide();
      return;
    }
    this.hover.show({ map, index, itemId: ids[index]! });
  }

  /** The point of the other map showing the hovered item, for the linked highlight. */
  linkedHover(map: 'primary' | 'compare'): number | null {
    const t = this.hover.target;
    const alignment = this.alignment;
    if (!t || t.map === map || !alignment) return null;
    const i = map === 'primary' ? alignment.toPrimary[t.index] : alignment.fromPrimary[t.index];
    return i !== undefined && i >= 0 ? i : null;
  }

  /** A click on a point of the main map: its card goes away (the results are what matters now) and its neighbours are searched. */
  pickPoint(index: number): Promise<void> {
    this.hover.hide();
    return this.searchPoint(index);
  }

  /** Searches the items most similar to a point of the main map. */
  searchPoint(index: number): Promise<void> {
    const runId = this.runId;
    const ids = this.map.points?.itemIds;
    if (runId === null || !ids || index < 0 || index >= ids.length) return Promise.resolve();
    return this.search.byItem(runId, ids[index]!);
  }

  searchItem(itemId: number): Promise<void> {
    return this.runId === null ? Promise.resolve() : this.search.byItem(this.runId, itemId);
  }

  searchFile(file: File): Promise<void> {
    return this.runId === null ? Promise.resolve() : this.search.byFile(this.runId, file, this.modality);
  }

  /** Main-map points of the search results (results not on the map are left out). */
  readonly searchIndices = $derived.by((): number[] => {
    void this.map.points;
    return this.search.results.map((r) => this.map.indexOf(r.itemId)).filter((i) => i >= 0);
  });

  readonly compareSearchIndices = $derived.by((): number[] => {
    const alignment = this.alignment;
    if (!alignment) return [];
    return this.searchIndices.map((i) => alignment.fromPrimary[i]!).filter((j) => j >= 0);
  });

  // ——— Exports ———

  /** Browser: downloads the selection's embeddings, coordinates or paths from `pretext serve`. */
  async downloadSelection(kind: SelectionExportKind): Promise<void> {
    const runId = this.runId;
    if (runId === null || this.selection.length === 0 || this.exporting) return;
    const itemIds = this.selectedItemIds();
    await this.#export(`selection:${kind}`, async () => {
      const download = this.#options.download ?? downloadFrom;
      const result = await download(
        selectionExportUrl(runId, kind, kind === 'embeddings' ? null : this.projectionId),
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: selectionExportBody(itemIds) },
        exportFileName(runId, kind, true),
      );
      return `Downloaded ${result.fileName} (${plural(itemIds.length, 'item')})`;
    });
  }

  /** Electron: writes the selection's embeddings, coordinates or paths to a file on this computer. */
  async exportSelectionTo(kind: SelectionExportKind, path: string, overwrite = false): Promise<void> {
    const runId = this.runId;
    if (runId === null || this.selection.length === 0 || this.exporting) return;
    const itemIds = Array.from(this.selectedItemIds());
    await this.#export(`selection:${kind}`, async () => {
      const written = await this.#backend.calls['exports.selection']({
        runId,
        itemIds,
        kind,
        ...(this.projectionId !== null ? { projectionId: this.projectionId } : {}),
        path: path.trim(),
        ...(overwrite ? { overwrite } : {}),
      });
      return `Wrote ${plural(written.rows, 'row')} to ${written.path}`;
    });
  }

  /** Electron: writes every embedding, or every point's coordinates, to a file. */
  async exportAllTo(kind: 'embeddings' | 'coordinates', path: string, overwrite = false, format: EmbeddingsFormat = 'csv'): Promise<void> {
    const runId = this.runId;
    if (runId === null || this.exporting) return;
    await this.#export(`all:${kind}`, async () => {
      if (kind === 'embeddings') {
        const written = await this.#backend.calls['runs.exportCsv']({
          runId,
          path: path.trim(),
          ...(overwrite ? { overwrite } : {}),
          ...(format !== 'csv' ? { format } : {}),
        });
        return `Wrote ${plural(written.rows, 'row')} to ${written.path}`;
      }
      const projectionId = this.projectionId;
      const ids = this.map.points?.itemIds;
      if (projectionId === null || !ids) throw new Error('Compute a map first.');
      const written = await this.#backend.calls['exports.selection']({
        runId,
        itemIds: Array.from(ids),
        kind: 'coordinates',
        projectionId,
        path: path.trim(),
        ...(overwrite ? { overwrite } : {}),
      });
      return `Wrote ${plural(written.rows, 'row')} to ${written.path}`;
    });
  }

  dismissExportOutcome(): void {
    this.exportOutcome = null;
  }

  async #export(key: string, work: () => Promise<string>): Promise<void> {
    this.exporting = key;
    this.exportOutcome = null;
    try {
      this.exportOutcome = { tone: 'success', text: await work() };
    } catch (error) {
      this.exportOutcome = { tone: 'error', text: `Could not export: ${errorMessage(error)}` };
    } finally {
      this.exporting = null;
    }
  }

  // ——— Compare ———

  /** Shows a second run of the same dataset beside the main one (null closes it). */
  async setCompareRun(runId: number | null): Promise<void> {
    if (runId === this.compareRunId && (runId === null || this.compareLoaded)) return;
    const ticket = this.#compareLatest.begin();
    this.compareRunId = runId;
    this.compareProjections = [];
    this.compareLoaded = false;
    this.compareError = null;
    this.alignment = null;
    this.compareMap.close();
    if (this.hover.target?.map === 'compare') this.hover.hide();
    if (runId === null) {
      this.curves[1].close();
      return;
    }
    void this.curves[1].open(runId);
    try {
      const list = newestFirst(await this.#backend.calls['projections.list']({ runId }));
      if (!this.#compareLatest.isCurrent(ticket)) return;
      this.compareProjections = list;
      this.compareLoaded = true;
      await this.#loadCompareMap();
    } catch (error) {
      if (!this.#compareLatest.isCurrent(ticket)) return;
      this.compareError = errorMessage(error);
    }
  }

  /** The compared run's projection shown: the one made like the main map's, else its newest. */
  get compareProjection(): ProjectionSummary | null {
    return pickProjection(this.compareProjections, this.projection?.settings ?? null);
  }

  async #loadCompareMap(): Promise<void> {
    const runId = this.compareRunId;
    const projection = this.compareProjection;
    if (runId === null || !projection) return;
    await this.compareMap.load(runId, projection.id);
    await this.#realign();
  }

  /** Links the two maps by item, in the compared map's worker. */
  async #realign(): Promise<void> {
    const primary = this.map.points;
    if (!primary || !this.compareMap.points) {
      this.alignment = null;
      return;
    }
    const generations = [this.map.generation, this.compareMap.generation];
    const toPrimary = await this.compareMap.alignTo(primary);
    if (!toPrimary || this.map.generation !== generations[0] || this.compareMap.generation !== generations[1]) return;
    const fromPrimary = new Int32Array(primary.count).fill(-1);
    for (let j = 0; j < toPrimary.length; j++) if (toPrimary[j]! >= 0) fromPrimary[toPrimary[j]!] = j;
    this.alignment = { toPrimary, fromPrimary };
  }

  #clearMapState(): void {
    this.selection = new Uint32Array(0);
    this.alignment = null;
    this.exportOutcome = null;
    this.hover.hide();
  }
}
