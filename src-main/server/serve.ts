import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ApiError,
  isCallName,
  parseMediaPath,
  type WireMessage,
  type WireRequest,
} from '../contract';
import type { Core } from '../core/app';
import { MAX_DATA_BODY, statusOf, type DataRoute } from '../core/data-routes';
import { isAllowedHost, isAuthorised, isSameOrigin, newToken, TOKEN_COOKIE } from './auth';
import { serveStatic } from './static';

export interface ServeOptions {
  core: Core;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
/** The page may talk only to this server; no remote content. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * `pretext serve`: the renderer and the typed API over HTTP + WebSocket, guarded by a random token
 * (like Jupyter). The first visit with `?token=` sets an HttpOnly cookie so that assets, media and the
 * WebSocket are authorised without repeating the token.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const loopbackOnly = LOOPBACK.has(host);
  const { core } = options;

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, `Internal error: ${(error as Error).message}`);
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!isAllowedHost(req, loopbackOnly)) return sendText(res, 403, 'Forbidden host');
    if (!isAuthorised(req, url, token)) {
      return sendText(res, 401, 'Pretext needs its access token: open the full URL that `pretext serve` printed.');
    }
    if (url.searchParams.has('token')) {
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');

    let route: (DataRoute & { method: 'GET' | 'POST' }) | null;
    try {
      route = core.dataRoute(url.pathname, url.searchParams);
    } catch (error) {
      return sendText(res, statusOf(error), (error as Error).message);
    }
    if (route) return sendData(route, req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed');
    const media = parseMediaPath(url.pathname);
    if (media) {
      try {
        const { mime, body } = await core.media.get(media.itemId, media.kind);
        res.writeHead(200, { 'Content-Type': mime, 'Content-Length': body.byteLength, 'Cache-Control': 'private, max-age=60' });
        res.end(body);
      } catch (error) {
        const status = error instanceof ApiError && error.code === 'not_found' ? 404 : 400;
        sendText(res, status, (error as Error).message);
      }
      return;
    }
    res.setHeader('Content-Security-Policy', CSP);
    if (await serveStatic(options.rendererDir, url.pathname, res)) return;
    // Client-side routes fall back to the app shell.
    if (!url.pathname.includes('.') && (await serveStatic(options.rendererDir, '/index.html', res))) return;
    sendText(res, 404, 'Not found');
  }

  /** Answers a data or export route (see core/data-routes.ts), streaming CSV row by row. */
  async function sendData(route: DataRoute & { method: 'GET' | 'POST' }, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== route.method && !(route.method === 'GET' && req.method === 'HEAD')) {
      res.setHeader('Allow', route.method);
      return sendText(res, 405, `Use ${route.method} for ${new URL(req.url ?? '/', 'http://localhost').pathname}`);
    }
    // A POST changes nothing, but only this app's page may send one with the user's cookie.
    if (route.method === 'POST' && !isSameOrigin(req)) return sendText(res, 403, 'Forbidden origin');
    let response;
    try {
      const body = route.method === 'POST' ? await readBody(req, MAX_DATA_BODY) : null;
      response = core.dataResponse(route, body);
    } catch (error) {
      return sendText(res, statusOf(error), (error as Error).message);
    }
    res.writeHead(200, {
      'Content-Type': response.mime,
      'Cache-Control': 'no-store',
      ...(response.filename ? { 'Content-Disposition': `attachment; filename="${response.filename}"` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    await response.write(res);
    res.end();
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string): void => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== '/api') return refuse('404 Not Found');
    if (!isAllowedHost(req, loopbackOnly) || !isSameOrigin(req)) return refuse('403 Forbidden');
    if (!isAuthorised(req, url, token)) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      void handleMessage(ws, data.toString());
    });
  });
  const unsubscribe = core.events.onAny((name, payload) => {
    const message = JSON.stringify({ type: 'event', name, payload } satisfies WireMessage);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  async function handleMessage(ws: WebSocket, text: string): Promise<void> {
    let request: WireRequest;
    try {
      request = JSON.parse(text) as WireRequest;
    } catch {
      return;
    }
    const reply = (message: WireMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    if (request?.type !== 'call' || typeof request.id !== 'number') return;
    if (!isCallName(request.name)) {
      return reply({ type: 'error', id: request.id, error: { code: 'bad_request', message: `Unknown call ${String(request.name)}` } });
    }
    try {
      const handler = core.handlers[request.name] as (req: unknown) => Promise<unknown>;
      const response = await handler(request.request);
      reply({ type: 'result', id: request.id, response: response ?? null });
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'internal';
      reply({ type: 'error', id: request.id, error: { code, message: (error as Error).message ?? String(error) } });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    token,
    host,
    port,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A request body as text, refusing bodies over `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ApiError('bad_request', `The request body is over ${limit / 1024 / 1024} MB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
