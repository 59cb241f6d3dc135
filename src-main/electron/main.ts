/**
 * Electron main process: a window over the renderer, a narrow IPC surface generated from the contract,
 * and a core host process that does the real work. Nothing here touches the database directly.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callNames, HTTP_STATUS, ipcChannel, parseMediaPath, type CallName, type ErrorCode } from '../contract';
import { CoreHost, forkWithNode } from './host';
import type { IpcResult } from './host-protocol';
import { chooseCoreHost, CORE_HOST_REASON_ENV, type CoreHostChoice } from './host-selection';
import { runSelfTest, selfTestDatabase, selfTestResultPath, writeSelfTestFailure } from './self-test';
import { forkUtilityProcess } from './utility-host';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, '..', 'preload', 'index.cjs');
/** The renderer and its media are served from one privileged scheme, so 'self' in the CSP means just the app. */
const APP_SCHEME = 'pretext';
const APP_ORIGIN = `${APP_SCHEME}://app`;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";


protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

/** The core host for this window: a utility process when installed, the user's Node from a checkout. */
function createHost(choice: CoreHostChoice): CoreHost {
  const script = join(here, 'core-host.js');
  // Left out rather than set to undefined: a utility process's env takes strings only.
  const { ELECTRON_RUN_AS_NODE: _runAsNode, ...inherited } = process.env;
  const env = { ...inherited, [CORE_HOST_REASON_ENV]: choice.reason };
  return new CoreHost(choice.host === 'utility-process' ? forkUtilityProcess(script, env) : forkWithNode(script, choice.nodePath, env));
}

let host: CoreHost;

/** The same statuses `pretext serve` answers with, by error code (contract.ts). */
function statusOfCode(code: string): number {
  return HTTP_STATUS[code as ErrorCode] ?? 500;
}

function isAppFrame(contents: WebContents, senderUrl: string | undefined): boolean {
  return !contents.isDestroyed() && typeof senderUrl === 'string' && senderUrl.startsWith(`${APP_ORIGIN}/`);
}

function registerIpc(): void {
  for (const name of callNames) {
    ipcMain.handle(ipcChannel.call(name), async (event, request: unknown): Promise<IpcResult> => {
      if (!isAppFrame(event.sender, event.senderFrame?.url)) {
        return { ok: false, error: { code: 'unauthorized', message: 'Calls are accepted from the Pretext window only' } };
      }
      return host.call(name as CallName, request);
    });
  }
  ipcMain.handle(ipcChannel.pickFolder, async (event) => {
    const window = BrowserWindow.fromWebContents(event.sender);
    const options = { title: 'Choose a folder to import', properties: ['openDirectory' as const] };
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  host.on('event', (name, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send(ipcChannel.event, name, payload);
  });
  host.on('crashed', (reason, restarting) => {
    if (selfTest) return; // the self-test reports the failed call instead of waiting on a dialog
    const why = reason === 'oom' ? 'ran out of memory' : `stopped (${reason})`;
    dialog.showErrorBox(
      'Pretext',
      restarting
        ? `The Pretext core ${why} and is being restarted. Work in progress may need to be started again.`
        : `The Pretext core stopped and could not be started again: ${reason}`,
    );
  });
}

function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('Not found', { status: 404 });
    const media = parseMediaPath(url.pathname);
    if (media) {
      const result = await host.media(media.itemId, media.kind);
      if ('error' in result) return new Response(result.error.message, { status: statusOfCode(result.error.code) });
      return new Response(Buffer.from(result.body), { headers: { 'Content-Type': result.mime } });
    }
    if (url.pathname.startsWith('/data/') || url.pathname.startsWith('/export/')) {
      const body = request.method === 'POST' ? await request.text() : null;
      const result = await host.data(request.method, url.pathname + url.search, body);
      if ('error' in result) return new Response(result.error.message, { status: statusOfCode(result.error.code) });
      const headers: Record<string, string> = { 'Content-Type': result.mime, 'Cache-Control': 'no-store' };
      if (result.filename) headers['Content-Disposition'] = `attachment; filename="${result.filename}"`;
      return new Response(Buffer.from(result.body), { headers });
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
    let file = join(rendererDir, rel);
    if (!file.startsWith(rendererDir + sep)) return new Response('Forbidden', { status: 403 });
    if (!existsSync(file)) file = join(rendererDir, 'index.html');
    const response = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CSP);
    return new Response(response.body, { status: response.status, headers });
  });
}

function lockDown(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Pretext',
    backgroundColor: '#101216',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

/** `--self-test=<file>`: check the core and exit, without a window (self-test.ts). */
const selfTest = selfTestResultPath(process.argv);
if (selfTest) process.env.PRETEXT_DB = selfTestDatabase();

function cannotStart(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (selfTest) writeSelfTestFailure(selfTest, message);
  else dialog.showErrorBox('Pretext cannot start', message);
  app.exit(1);
}

app.enableSandbox();
app.whenReady().then(async () => {
  lockDown();
  try {
    host = createHost(chooseCoreHost({ packaged: app.isPackaged, env: process.env, platform: process.platform }));
  } catch (error) {
    return cannotStart(error);
  }
  registerAppProtocol();
  registerIpc();
  try {
    await host.start();
  } catch (error) {
    return cannotStart(error);
  }
  if (selfTest) {
    const code = await runSelfTest(host, selfTest);
    await host.stop();
    app.exit(code);
    return;
  }
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
// The core cancels its work and closes the database before the app exits (a utility process would
// otherwise end with it mid-write).
app.on('will-quit', (event) => {
  if (!host || host.stopped) return;
  event.preventDefault();
  void host.stop().finally(() => app.quit());
});
