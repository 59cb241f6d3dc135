/**
 * `pretext`: the command-line door to the same core the window and `pretext serve` use.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiError, type DatasetSummary, type ItemRow } from '../contract';
import type { Core } from '../core/app';
import { packageRoot, resolveDbPath } from '../core/paths';
import { VERSION } from '../core/version';
import { startServer } from '../server/serve';
import { planServe, readServeConfig, serveConfigPath, writeServeConfig } from '../server/serve-config';
import { findElectronBinary } from './electron-binary';
import { exitOnBrokenPipe, here, importWithProgress, openCore, parse, str, UsageError, type ParsedArgs } from './common';
import { formatDataset, nextCommand, printable } from './format';
import { cmdProject, cmdSearch } from './explore';
import { cmdEmbed, cmdEval, cmdExport, cmdMethods, cmdRuns, cmdTrain, cmdVersion } from './training';

const USAGE = `Pretext ${VERSION}: self-supervised embeddings of your own folders.

Usage:
  pretext start [--db <file>] [serve options]  open the app on the bundled demo data (Electron, else serve)
  pretext import <folder> [--db <file>] [--json] [--text-column <name>] [--name <name>]
  pretext datasets [--db <file>] [--json]
  pretext serve [--port N] [--host H] [--token T | --keep-token | --new-token] [--db <file>]
                                               the app in a browser; the port (and a kept token) are remembered
                                               beside the database (<db>-files/serve.json, mode 0600), so the
                                               URL stays the same: --port N serves on N from now on, --token T
                                               uses T (16+ of A-Z a-z 0-9 . _ ~ -), --keep-token keeps this
                                               start's token for the next ones, --new-token forgets it
  pretext train <dataset-id|folder> [--method simclr] [--param name=value …] [--epochs N] [--batch-size N]
                [--image-size N] [--seed N] [--lr X] [--temperature T] [--backend B] [--threads N] [--json]
                                               the parameters of each method: pretext methods
  pretext train --resume <run-id> [--json]
  pretext methods [--json]                     every method, its modalities and parameters
  pretext runs [--dataset <id>] [--json]       runs, each with the vector sets it embedded (pretext embed)
  pretext embed <run-id> <folder|dataset-id> [--out file [--format csv|lightly|npy|parquet] [--force]] [--json]
                                               embed another folder with a trained run, as its own vector set
                                               of the run, searchable with pretext search --set
  pretext eval <run-id> [--json]               held-out kNN and linear-probe accuracy, alignment, uniformity,
                                               effective rank: before training, after each epoch, final
  pretext export <run-id> --out <file> [--format csv|lightly|npy|parquet] [--force]
                                               every embedding: csv is path,label,e0,…; lightly is Lightly's
                                               embeddings.csv (filenames,embedding_0,…,labels); npy a NumPy
                                               float32 [N, D] array in the CSV's row order; parquet has the
                                               columns path, label, embedding (list of float32)
                                               (an existing file is replaced only with --force)
  pretext export <run-id> --coords --out <file.csv> [--projection <id>] [--force]
                                               a projection's path,label,x,y (default: the run's latest)
  pretext project <run-id> [--method umap|pca] [--seed N] [--neighbors N] [--min-dist X] [--out xy.csv [--force]] [--json]
                                               compute and store a 2-D map; --json adds a SHA-256 of the coordinates
  pretext search <run-id> [--set <set-id>] (--item <path> [--item-from run|<set-id>] | --query <file> | --text "…") [-k 10] [--json]
                                               the k most similar items, by cosine similarity of embeddings:
                                               among the run's items, or with --set among a vector set's;
                                               --item is a file of the folder searched, unless --item-from
                                               names the run's dataset (run) or a vector set
  pretext bench [--threads=1,2] [--shapes=28x28x1,64x64x3] [--backends=...]
                                               training and extraction speed per backend (and PyTorch's)
  pretext --version                            version, compute backend, and why faster ones are unavailable

The database defaults to pretext.db in your data folder; --db or PRETEXT_DB choose another.`;

async function allSkipped(core: Core, datasetId: number): Promise<ItemRow[]> {
  const out: ItemRow[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await core.handlers['datasets.items']({ datasetId, status: 'skipped', offset, limit: 500 });
    out.push(...page.items);
    if (out.length >= page.total || page.items.length === 0) return out;
  }
}

function datasetJson(d: DatasetSummary) {
  return {
    id: d.id,
    name: d.name,
    root: d.root,
    status: d.status,
    total: d.total,
    counts: d.counts,
    labels: d.labels,
    skipped: d.skipped,
    error: d.error,
  };
}

async function cmdImport(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { 'text-column': { type: 'string' }, name: { type: 'string' } });
  const folder = positionals[0];
  if (!folder) throw new UsageError('pretext import needs a folder');
  const core = openCore(values.db);
  try {
    const report = await importWithProgress(core, folder, {
      ...(str(values, 'name') ? { name: str(values, 'name') } : {}),
      ...(str(values, 'text-column') ? { textColumn: str(values, 'text-column') } : {}),
    }).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.code === 'cancelled')) throw error;
      // Re-importing reads only what is new or changed: the same command finishes it.
      const again = ['import', resolve(folder), ...(str(values, 'name') ? ['--name', str(values, 'name')!] : []), ...(str(values, 'text-column') ? ['--text-column', str(values, 'text-column')!] : [])];
      throw new Error(`${error.message} To finish it: ${nextCommand(again, values.db)}`);
    });
    const skipped = await allSkipped(core, report.datasetId);
    if (values.json) {
      const { dataset, ...rest } = report;
      const out = {
        ...rest,
        dataset: datasetJson(dataset),
        skippedFiles: skipped.map((i) => ({ path: i.path, ...(i.row !== null ? { row: i.row } : {}), reason: i.error })),
        ignoredEntries: report.ignoredEntries,
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    console.log(formatDataset(report.dataset));
    console.log(
      `   this import: ${report.added} added, ${report.updated} updated, ${report.removed} removed, ` +
        `${report.unchanged} unchanged in ${report.seconds.toFixed(1)} s`,
    );
    if (skipped.length > 0) {
      console.log(`\nSkipped (${skipped.length}):`);
      for (const i of skipped.slice(0, 50)) console.log(`  ${printable(i.path)}${i.row !== null ? `:${i.row}` : ''}  ${printable(i.error ?? '')}`);
      if (skipped.length > 50) console.log(`  … and ${skipped.length - 50} more (see --json)`);
    }
    const passedOver = report.ignoredEntries.filter((e) => !/^hidden (file|folder)$/.test(e.reason));
    if (passedOver.length > 0) {
      console.log(`\nPassed over (${passedOver.length}, besides hidden files):`);
      for (const e of passedOver.slice(0, 50)) console.log(`  ${printable(e.path)}  ${printable(e.reason)}`);
      if (passedOver.length > 50) console.log(`  … and ${passedOver.length - 50} more (see --json)`);
    }
  } finally {
    await core.close();
  }
}

async function cmdDatasets(args: string[]): Promise<void> {
  const { values } = parse(args, {});
  const core = openCore(values.db);
  try {
    const list = await core.handlers['datasets.list']();
    if (values.json) process.stdout.write(JSON.stringify(list.map(datasetJson), null, 2) + '\n');
    else if (list.length === 0) console.log('No datasets yet. Add one with: pretext import <folder>');
    else console.log(list.map((d) => formatDataset(d, values.db)).join('\n\n'));
  } finally {
    await core.close();
  }
}

function rendererDir(): string {
  const dir = join(packageRoot(here), 'out', 'renderer');
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`The renderer is not built (${dir} is missing): run npm run build`);
  return dir;
}

function displayUrl(url: string, host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return url;
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  return address ? url.replace(`//${host === '::' ? '[::]' : host}:`, `//${address}:`) : url;
}

const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  'keep-token': { type: 'boolean', default: false },
  'new-token': { type: 'boolean', default: false },
} as const;

/**
 * Serves with the remembered port and token (serve-config.ts): the URL stays the same between
 * starts. A remembered port that another program took meanwhile is passed over for a free one,
 * this time; a port given with --port must be free.
 */
async function serveUntilStopped(core: Core, values: ParsedArgs['values'], note?: string): Promise<void> {
  const host = str(values, 'host') ?? '127.0.0.1';
  const configPath = serveConfigPath(core.db.name);
  const stored = readServeConfig(configPath);
  let plan;
  try {
    plan = planServe(stored, {
      ...(str(values, 'port') !== undefined ? { port: parsePort(str(values, 'port')) } : {}),
      ...(str(values, 'token') !== undefined ? { token: str(values, 'token') } : {}),
      keepToken: values['keep-token'] === true,
      newToken: values['new-token'] === true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const options = { core, rendererDir: rendererDir(), host, token: plan.token };
  let server;
  let moved = '';
  try {
    server = await startServer({ ...options, port: plan.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (plan.portGiven) throw new Error(`Port ${plan.port} is in use on ${host}; choose another with --port N (0: any free port)`, { cause: error });
    server = await startServer({ ...options, port: 0 });
    moved = `Port ${plan.port} (remembered) is in use: serving on ${server.port} this time.`;
  }
  const remember = plan.remember(server.port);
  if (remember.port !== stored.port || remember.token !== stored.token) writeServeConfig(configPath, remember);
  if (note) console.log(note);
  if (moved) console.log(moved);
  console.log(`Pretext is serving ${printable(core.db.name)}`);
  console.log(`Open: ${displayUrl(server.url, host)}`);
  console.log(
    remember.token !== undefined
      ? `This URL stays the same on every start (port and token kept in ${printable(configPath)}; --new-token to change the token).`
      : `The port is kept for the next starts (${printable(configPath)}); the token changes each start unless kept with --keep-token.`,
  );
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    console.log('Listening beyond this machine: anyone with the URL (token included) can use it.');
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await core.close();
}

function parsePort(value: string | undefined): number {
  const port = Number(value ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got ${value}`);
  return port;
}

async function cmdServe(args: string[]): Promise<void> {
  const { values } = parse(args, SERVE_OPTIONS);
  const core = openCore(values.db, 'serve');
  await serveUntilStopped(core, values);
}

async function cmdStart(args: string[]): Promise<void> {
  const { values } = parse(args, SERVE_OPTIONS);
  const dbPath = resolveDbPath(values.db);
  // This core serves the browser when Electron cannot start (the Electron window opens its own core).
  const core = openCore(dbPath, 'serve');
  const demoRoot = join(packageRoot(here), 'resources', 'demo');
  const demos = readdirSync(demoRoot)
    .filter((name) => !name.startsWith('.') && statSync(join(demoRoot, name)).isDirectory())
    .sort();
  for (const name of demos) {
    const report = await importWithProgress(core, join(demoRoot, name), { name: `demo: ${name}` });
    console.log(`Demo dataset "${printable(report.dataset.name)}": ${report.dataset.total} items`);
  }
  const electron = findElectronBinary(packageRoot(here));
  if ('path' in electron) {
    await core.close();
    const main = join(packageRoot(here), 'out', 'main', 'index.js');
    const child = spawn(electron.path, [main], {
      stdio: 'inherit',
      env: { ...process.env, PRETEXT_DB: dbPath, PRETEXT_NODE: process.execPath },
    });
    await new Promise<void>((resolve) => child.on('exit', () => resolve()));
    return;
  }
  await serveUntilStopped(core, values, `${electron.reason}.\nFalling back to \`pretext serve\`: open the URL below in a browser.`);
}

/** The engine benchmark lives in bench/ as TypeScript; run it through its launcher from the package root. */
async function cmdBench(args: string[]): Promise<number> {
  const root = packageRoot(here);
  const child = spawn(process.execPath, [join(root, 'bench', 'run-ts.mjs'), join(root, 'bench', 'engine-bench.ts'), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '--version':
      case '-v':
      case 'version':
        await cmdVersion();
        return 0;
      case 'train':
        return await cmdTrain(rest);
      case 'runs':
        await cmdRuns(rest);
        return 0;
      case 'methods':
        await cmdMethods(rest);
        return 0;
      case 'eval':
        await cmdEval(rest);
        return 0;
      case 'embed':
        return await cmdEmbed(rest);
      case 'export':
        await cmdExport(rest);
        return 0;
      case 'project':
        return await cmdProject(rest);
      case 'search':
        return await cmdSearch(rest);
      case 'bench':
        return await cmdBench(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      case 'import':
        await cmdImport(rest);
        return 0;
      case 'datasets':
        await cmdDatasets(rest);
        return 0;
      case 'serve':
        await cmdServe(rest);
        return 0;
      case 'start':
        await cmdStart(rest);
        return 0;
      default:
        throw new UsageError(`Unknown command: ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`pretext: ${printable(error.message)}\n\n${USAGE}`);
      return 2;
    }
    console.error(`pretext: ${printable((error as Error).message)}`);
    return 1;
  }
}

// `pretext … | head -1`: the reader may leave before we finish writing.
exitOnBrokenPipe(process.stdout);
exitOnBrokenPipe(process.stderr);
process.exitCode = await main(process.argv.slice(2));
