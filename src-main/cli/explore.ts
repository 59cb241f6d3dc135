/**
 * `pretext project` and `pretext search`: the Explore screen's computations from a terminal.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { ApiError, type ProjectionProgress, type ProjectionSettings, type ProjectionSummary, type SearchResult } from '../contract';
import type { Core } from '../core/app';
import { cannot } from '../core/errors';
import { openCore, parse, str, UsageError } from './common';
import { nextCommand, printable, shellWord } from './format';
import { ProgressBar } from './progress';

function runIdOf(raw: string | undefined, command: string): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new UsageError(`pretext ${command} needs a run id (see pretext runs)`);
  return Number(raw);
}

function numberOption(values: Record<string, unknown>, name: string, integer: boolean): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got ${String(raw)}`);
  return n;
}

/** SHA-256 of a projection's item ids and coordinates, as stored: equal hashes mean identical maps. */
export function coordinatesHash(core: Core, runId: number, projectionId: number): string {
  const { points } = core.projections.pointsOf(runId, projectionId);
  return createHash('sha256')
    .update(new Uint8Array(points.itemIds.buffer, points.itemIds.byteOffset, points.itemIds.byteLength))
    .update(new Uint8Array(points.coords.buffer, points.coords.byteOffset, points.coords.byteLength))
    .digest('hex');
}

function progressLabel(p: ProjectionProgress): string {
  if (p.message && p.done === 0) return p.message;
  switch (p.phase) {
    case 'loading':
      return `reading embeddings ${p.done}/${p.total}`;
    case 'pca':
      return 'principal components';
    case 'fitting':
      return `UMAP epoch ${p.done}/${p.total}`;
    case 'placing':
      return `placing points ${p.done}/${p.total}`;
    case 'saving':
      return 'saving';
    default:
      return p.phase;
  }
}

function describeProjection(p: ProjectionSummary): string {
  const s = p.settings;
  const how = p.method === 'umap' ? `UMAP (${s.neighbors} neighbours, min-dist ${s.minDist}, seed ${s.seed})` : `PCA (seed ${s.seed})`;
  const lines = [`Projection #${p.id} of run #${p.runId}: ${how} of ${p.points.toLocaleString('en')} points in ${p.seconds.toFixed(1)} s`];
  if (p.pcaComponents !== null) lines.push(`   reduced to ${p.pcaComponents} dimensions with PCA first`);
  if (p.fittedOn !== null) lines.push(`   fitted on a sample of ${p.fittedOn.toLocaleString('en')} points; the others were placed on that map`);
  return lines.join('\n');
}

export async function cmdProject(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    method: { type: 'string' },
    seed: { type: 'string' },
    neighbors: { type: 'string' },
    'min-dist': { type: 'string' },
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean', default: false },
  });
  const runId = runIdOf(positionals[0], 'project');
  const method = str(values, 'method') ?? 'umap';
  if (method !== 'umap' && method !== 'pca') throw new UsageError(`--method must be umap or pca, got ${method}`);
  const settings: ProjectionSettings = { method };
  const seed = numberOption(values, 'seed', true);
  const neighbors = numberOption(values, 'neighbors', true);
  const minDist = numberOption(values, 'min-dist', false);
  if (seed !== undefined) settings.seed = seed;
  if (neighbors !== undefined) settings.neighbors = neighbors;
  if (minDist !== undefined) settings.minDist = minDist;
  const json = values.json === true;
  const out = str(values, 'out');

  const core = openCore(values.db);
  const bar = new ProgressBar();
  const off = core.events.on('projection.progress', (p) => {
    if (p.runId === runId) bar.update(p.done, p.total, progressLabel(p), p.done === 0);
  });
  const onSigint = (): void => {
    bar.clear();
    if (!json) console.error('Cancelling…');
    void core.handlers['projections.cancel']({ runId });
  };
  process.once('SIGINT', onSigint);
  try {
    let summary: ProjectionSummary;
    try {
      summary = await core.handlers['projections.compute']({ runId, settings });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'cancelled') {
        bar.clear();
        console.error(`Projection cancelled; nothing was stored. To compute it again: ${printable(['pretext', 'project', ...args].map(shellWord).join(' '))}`);
        return 130;
      }
      throw error;
    }
    bar.clear();
    const hash = coordinatesHash(core, runId, summary.id);
    const written = out ? await core.exportCoordinates(runId, summary.id, out, values.force === true) : null;
    if (json) {
      process.stdout.write(JSON.stringify({ ...summary, coordinatesSha256: hash, ...(written ? { out: { path: written.path, rows: written.rows } } : {}) }, null, 2) + '\n');
    } else {
      console.log(describeProjection(summary));
      console.log(`   coordinates sha256 ${hash}`);
      if (written) console.log(`   wrote ${written.rows} rows to ${printable(written.path)}`);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    off();
    bar.clear();
    await core.close();
  }
}

/** Where `pretext search` looks or takes its item from: the run's own items (null) or a vector set's. */
function setOption(values: Record<string, unknown>, name: string, allowRun: boolean): number | null | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (allowRun && raw === 'run') return null;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
    throw new UsageError(`--${name} must be ${allowRun ? '"run" or ' : ''}a vector set id (pretext runs lists them), got ${String(raw)}`);
  }
  return Number(raw);
}

const spaceWords = (runId: number, setId: number | null): string => (setId === null ? `run #${runId}` : `vector set #${setId} of run #${runId}`);

export async function cmdSearch(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    item: { type: 'string' },
    query: { type: 'string' },
    text: { type: 'string' },
    set: { type: 'string' },
    'item-from': { type: 'string' },
    k: { type: 'string', short: 'k' },
  });
  const runId = runIdOf(positionals[0], 'search');
  const item = str(values, 'item');
  const queryFile = str(values, 'query');
  const text = str(values, 'text');
  if ([item, queryFile, text].filter((v) => v !== undefined).length > 1) {
    throw new UsageError('--item, --query and --text are exclusive: search by an item of the dataset (--item), a new file (--query) or a typed text (--text), one of them');
  }
  if (item === undefined && queryFile === undefined && text === undefined) throw new UsageError('pretext search needs --item <path>, --query <file> or --text "…"');
  const setId = setOption(values, 'set', false) ?? null;
  const itemFrom = setOption(values, 'item-from', true);
  if (itemFrom !== undefined && item === undefined) throw new UsageError('--item-from says where the --item is; a --query file is embedded by the run');
  const k = numberOption(values, 'k', true) ?? 10;
  const core = openCore(values.db);
  try {
    let result: SearchResult;
    let about: string;
    // The item is looked up where the search goes, unless --item-from says where it is.
    const itemSetId = itemFrom === undefined ? setId : itemFrom;
    if (item !== undefined) {
      const itemId = await findItem(core, runId, item, process.cwd(), itemSetId).catch(async (error: Error) => {
        throw itemFrom === undefined ? new Error(`${error.message}${await elsewhereHint(core, runId, item, setId, values.db)}`) : error;
      });
      result = await core.handlers['search.similarToItem']({ runId, itemId, k, ...(setId !== null ? { setId } : {}), ...(itemSetId !== null ? { itemSetId } : {}) });
      about = itemSetId === setId ? item : `${item} (of ${spaceWords(runId, itemSetId)})`;
    } else if (text !== undefined) {
      result = await core.handlers['search.similarToText']({ runId, text, k, ...(setId !== null ? { setId } : {}) });
      about = `"${text.length > 60 ? `${text.slice(0, 57)}…` : text}"`;
    } else {
      let bytes: Buffer;
      try {
        bytes = readFileSync(queryFile!);
      } catch (error) {
        throw new Error(cannot('read', queryFile!, error));
      }
      result = await core.handlers['search.similarToFile']({ runId, fileName: basename(queryFile!), base64: bytes.toString('base64'), k, ...(setId !== null ? { setId } : {}) });
      about = queryFile!;
    }
    if (values.json === true) {
      process.stdout.write(JSON.stringify({ runId, ...(setId !== null ? { setId } : {}), ...(item !== undefined && itemSetId !== null ? { itemSetId } : {}), query: about, ...result }, null, 2) + '\n');
      return 0;
    }
    const where = result.set ? `vector set #${result.set.id} of run #${runId} ("${printable(result.set.datasetName)}", ${printable(result.set.root)})` : `run #${runId}`;
    console.log(`Most similar to ${printable(about)} in ${where} (${result.strategy} search, ${result.milliseconds.toFixed(1)} ms):`);
    result.results.forEach((r, i) => {
      const name = r.row !== null ? `${r.path}#${r.row}` : r.path;
      console.log(`${String(i + 1).padStart(4)}  ${r.similarity.toFixed(4)}  ${printable(name)}${r.label !== null ? `  [${printable(r.label)}]` : ''}`);
    });
    return 0;
  } finally {
    await core.close();
  }
}

/**
 * When --item is not where the search goes but is an item of another space of the run (its own
 * dataset, or one of its vector sets), the flag that takes it from there; else ''.
 */
async function elsewhereHint(core: Core, runId: number, name: string, setId: number | null, db: string | undefined): Promise<string> {
  if (!core.runs.get(runId)) return '';
  const others = [null, ...(await core.handlers['runs.vectorSets']({ runId })).filter((s) => s.status === 'completed').map((s) => s.id)].filter((id) => id !== setId);
  for (const other of others) {
    const found = await findItem(core, runId, name, process.cwd(), other).then(
      () => true,
      () => false,
    );
    if (found) {
      const flags = [...(setId !== null ? ['--set', setId] : []), '--item', name, '--item-from', other ?? 'run'];
      return `. It is an item of ${spaceWords(runId, other)}: ${nextCommand(['search', runId, ...flags], db)}`;
    }
  }
  return '';
}

/**
 * The item that `name` names, in the run's dataset (or, with `setId`, in the folder the run's vector
 * set embedded): its path relative to that folder (`path#row` for a row of a table file), as
 * `pretext export` writes it; or the path of a file in the folder, absolute or relative to `cwd`.
 * When the plain paths do not match, both sides are compared with symbolic links resolved (a
 * dataset imported through a link, /tmp → /private/tmp).
 */
export async function findItem(
  core: Pick<Core, 'runs' | 'vectors' | 'vectorSets' | 'handlers'>,
  runId: number,
  name: string,
  cwd = process.cwd(),
  setId: number | null = null,
): Promise<number> {
  const run = core.runs.get(runId);
  if (!run) throw new Error(`No run with id ${runId}`);
  let root: string;
  /** "run #3 (dataset "shapes", folder /d/shapes)": whose folder the item must be in. */
  let dataset: string;
  let lookUpAt: (path: string, row: number) => number | undefined;
  if (setId === null) {
    root = (await core.handlers['datasets.get']({ datasetId: run.datasetId })).root;
    dataset = `run #${runId} (dataset "${run.datasetName}", folder ${root})`;
    lookUpAt = (path, row) => core.vectors.findItem(runId, path, row);
  } else {
    const set = core.vectorSets.get(setId);
    if (!set) throw new Error(`No vector set with id ${setId} (pretext runs lists each run's sets)`);
    if (set.runId !== runId) throw new Error(`Vector set #${setId} belongs to run #${set.runId}, not to run #${runId}: a set is searched with the run that embedded it`);
    root = set.root;
    dataset = `vector set #${setId} of run #${runId} (dataset "${set.datasetName}", folder ${root})`;
    lookUpAt = (path, row) => core.vectorSets.findItem(setId, path, row);
  }
  const lookUp = (path: string): number | undefined => {
    const direct = lookUpAt(path, 0);
    if (direct !== undefined) return direct;
    const row = /^(.*)#(\d+)$/.exec(path);
    return row ? lookUpAt(row[1]!, Number(row[2])) : undefined;
  };
  if (!isAbsolute(name)) {
    const found = lookUp(name.replace(/\\/g, '/').replace(/^(\.\/)+/, ''));
    if (found !== undefined) return found;
  }
  const given = resolve(cwd, name);
  const inside: string[] = [];
  const within = (folder: string, path: string): void => {
    const rel = relative(folder, path);
    if (rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) inside.push(rel.split(sep).join('/'));
  };
  within(root, given);
  const realRoot = realpathOrNull(root);
  // A row of a table file (`rows.csv#3`) is not a file on disk: resolve the file, keep the row.
  const row = /^(.*)(#\d+)$/.exec(given);
  const real = realpathOrNull(given) ?? (row ? mapOrNull(realpathOrNull(row[1]!), (p) => p + row[2]) : null);
  if (realRoot && real) within(realRoot, real);
  for (const rel of inside) {
    const found = lookUp(rel);
    if (found !== undefined) return found;
  }
  if (inside.length === 0 && (isAbsolute(name) || real !== null)) {
    throw new Error(`${name} is outside the ${setId === null ? 'dataset ' : ''}folder of ${dataset}; give a file inside ${root}, or its path relative to that folder`);
  }
  throw new Error(`No item "${name}" with an embedding in ${dataset}; give its path relative to the ${setId === null ? 'dataset ' : ''}folder (the first column of pretext export), or the file's own path`);
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

function mapOrNull<T, U>(value: T | null, f: (v: T) => U): U | null {
  return value === null ? null : f(value);
}
