import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ApiError, isCallName, parseMediaPath, type WireMessage } from '../contract';
import type { Core } from '../core/app';
import { MAX_DATA_BODY, statusOf, type DataRoute } from '../core/data-routes';
import { isAllowedHost, isAuthorised, isSameOrigin, newToken, tokenSetCookie } from './auth';
import { decodePathname, serveStatic } from './static';

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
/** The largest WebSocket message accepted; ws closes the socket (1009) on a bigger one. */
export const MAX_WS_PAYLOAD = 16 * 1024 * 1024;

const noop = (): void => {};

/**
 * The URL of a request target, or null when it is malformed: anything but origin-form (`/path?query`),
 * a scheme-relative `//…`, a backslash in the path, or a path whose percent-encoding does not decode.
 * Never throws.
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return null;
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (path.includes('\\')) return null;
  let url: URL;
  try {
    url = new URL(`http://localhost${target}`);
  } catch {
    return null;
  }
  if (url.host !== 'localhost' || decodePathname(url.pathname) === null) return null;
  return url;
}

/**
 * `pretext serve`: the renderer and the typed API over HTTP + WebSocket, guarded by a random token
 * (like Jupyter). The first visit with `?token=` sets an HttpOnly cookie, named after the port and
 * holding an HMAC of the token, so that assets, media and the WebSocket are authorised without
 * repeating the token.
 *
 * Every handler turns malformed input into a 4xx (or a closed connection) and never throws: a request
 * must not be able to end the process.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const loopbackOnly = LOOPBACK.has(host);
  const { core } = options;
  /** Set once listening, before any request can arrive. */
  let port = 0;

  const server: Server = createServer((req, res) => {
    // A client that goes away mid-response makes these emit 'error'; that ends this exchange, nothing more.
    req.on('error', noop);
    res.on('error', noop);
    let handled: Promise<void>;
    try {
      handled = handleHttp(req, res);
    } catch (error) {
      handled = Promise.reject(error);
    }
    handled.catch((error: unknown) => {
      logInternal(error);
      if (!res.headersSent) sendText(res, 500, 'Internal error');
      else destroyQuietly(res);
    });
  });

  // Unparsable requests (bad request line, headers over the limit, …) never reach the handler above.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    socket.on('error', noop);
    try {
      const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
        const status =
          error.code === 'HPE_HEADER_OVERFLOW'
            ? '431 Request Header Fields Too Large'
            : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
              ? '408 Request Timeout'
              : '400 Bad Request';
        socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
    } catch {
      // the socket is gone; destroying it below is all there is to do
    }
    destroyQuietly(socket);
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestTarget(req.url);
    if (!url) return sendText(res, 400, 'Bad request');
    if (!isAllowedHost(req, loopbackOnly)) return sendText(res, 403, 'Forbidden host');
    if (!isAuthorised(req, url, token, port)) {
      return sendText(res, 401, 'Pretext needs its access token: open the full URL that `pretext serve` printed.');
    }
    if (url.searchParams.has('token')) res.setHeader('Set-Cookie', tokenSetCookie(token, port));
    res.setHeader('X-Content-Type-Options', 'nosniff');

    let route: (DataRoute & { method: 'GET' | 'POST' }) | null;
    try {
      route = core.dataRoute(url.pathname, url.searchParams);
    } catch (error) {
      return sendText(res, statusOf(error), messageOf(error));
    }
    if (route) return sendData(route, url, req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed');
    const media = parseMediaPath(url.pathname);
    if (media) {
      try {
        const { mime, body } = await core.media.get(media.itemId, media.kind);
        res.writeHead(200, { 'Content-Type': mime, 'Content-Length': body.byteLength, 'Cache-Control': 'private, max-age=60' });
        res.end(body);
      } catch (error) {
        const status = error instanceof ApiError && error.code === 'not_found' ? 404 : 400;
        sendText(res, status, messageOf(error));
      }
      return;
    }
    res.setHeader('Content-Security-Policy', CSP);
    const served = await serveStatic(options.rendererDir, url.pathname, res);
    if (served === 'served') return;
    if (served === 'bad_path') return sendText(res, 400, 'Bad request');
    // Client-side routes fall back to the app shell.
    if (!url.pathname.includes('.') && (await serveStatic(options.rendererDir, '/index.html', res)) === 'served') return;
    sendText(res, 404, 'Not found');
  }

  /** Answers a data or export route (see core/data-routes.ts), streaming CSV row by row. */
  async function sendData(route: DataRoute & { method: 'GET' | 'POST' }, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== route.method && !(route.method === 'GET' && req.method === 'HEAD')) {
      res.setHeader('Allow', route.method);
      return sendText(res, 405, `Use ${route.method} for ${url.pathname}`);
    }
    // A POST changes nothing, but only this app's page may send one with the user's cookie.
    if (route.method === 'POST' && !isSameOrigin(req)) return sendText(res, 403, 'Forbidden origin');
    let response;
    try {
      const body = route.method === 'POST' ? await readBody(req, MAX_DATA_BODY) : null;
      response = core.dataResponse(route, body);
    } catch (error) {
      return sendText(res, statusOf(error), messageOf(error));
    }
    if (res.destroyed) return;
    res.writeHead(200, {
      'Content-Type': response.mime,
      'Cache-Control': 'no-store',
      ...(response.filename ? { 'Content-Disposition': `attachment; filename="${response.filename}"` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    try {
      await response.write(res);
    } catch {
      // Headers are out: all that can be said now is that the body stops short.
      return destroyQuietly(res);
    }
    res.end();
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });
  wss.on('error', noop);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', noop);
    const refuse = (status: string): void => {
      try {
        if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      } catch {
        // gone already
      }
      destroyQuietly(socket);
    };
    try {
      const url = parseRequestTarget(req.url);
      if (!url) return refuse('400 Bad Request');
      if (url.pathname !== '/api') return refuse('404 Not Found');
      if (!isAllowedHost(req, loopbackOnly) || !isSameOrigin(req)) return refuse('403 Forbidden');
      if (!isAuthorised(req, url, token, port)) return refuse('401 Unauthorized');
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (error) {
      logInternal(error);
      refuse('500 Internal Server Error');
    }
  });

  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    // ws emits 'error' for invalid frames, invalid UTF-8 and oversized messages, then closes the socket itself.
    ws.on('error', noop);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data: RawData) => {
      handleMessage(ws, rawText(data)).catch(logInternal);
    });
  });
  const unsubscribe = core.events.onAny((name, payload) => {
    let message: string;
    try {
      message = JSON.stringify({ type: 'event', name, payload } satisfies WireMessage);
    } catch (error) {
      return logInternal(error);
    }
    for (const ws of sockets) sendQuietly(ws, message);
  });

  /** Answers one WebSocket message; never throws nor rejects, whatever the text. */
  async function handleMessage(ws: WebSocket, text: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // not JSON: there is no id to answer
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
    const { type, id, name, request } = message as Record<string, unknown>;
    if (typeof id !== 'number') return; // nothing to address a reply to
    const reply = (wire: WireMessage): void => {
      let text: string;
      try {
        text = JSON.stringify(wire);
      } catch {
        text = JSON.stringify({ type: 'error', id, error: { code: 'internal', message: 'The response could not be serialised' } });
      }
      sendQuietly(ws, text);
    };
    const badRequest = (why: string): void => reply({ type: 'error', id, error: { code: 'bad_request', message: why } });
    if (type !== 'call') return badRequest(`Unknown message type ${clip(describe(type))}`);
    if (typeof name !== 'string') return badRequest('A call needs the name of the call as a string');
    if (!isCallName(name)) return badRequest(`Unknown call ${clip(name)}`);
    if (request !== undefined && request !== null && (typeof request !== 'object' || Array.isArray(request))) {
      return badRequest(`The request of ${name} must be an object`);
    }
    try {
      const handler = core.handlers[name] as (req: unknown) => Promise<unknown>;
      const response = await handler(request);
      reply({ type: 'result', id, response: response ?? null });
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'internal';
      reply({ type: 'error', id, error: { code, message: messageOf(error) } });
    }
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // A busy port (EADDRINUSE): the caller may try another, so leave nothing listening to the core.
    unsubscribe();
    wss.close();
    throw error;
  }
  server.on('error', logInternal);
  port = (server.address() as AddressInfo).port;
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
  if (res.headersSent || res.destroyed) return destroyQuietly(res);
  try {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  } catch {
    destroyQuietly(res);
  }
}

function sendQuietly(ws: WebSocket, text: string): void {
  if (ws.readyState !== ws.OPEN) return;
  try {
    ws.send(text, noop);
  } catch {
    // closing under us: the client will not read this reply anyway
  }
}

function destroyQuietly(stream: { destroy(): unknown }): void {
  try {
    stream.destroy();
  } catch {
    // already gone
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The message of whatever was thrown, Error or not; never throws. */
function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    return describe(error);
  } catch {
    return 'Unknown error';
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    try {
      return String(value);
    } catch {
      return typeof value;
    }
  }
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/** Logs an unexpected failure without the request (its URL or headers may carry the token). */
function logInternal(error: unknown): void {
  try {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
    console.error(`pretext serve: internal error (${what})`);
  } catch {
    // nowhere to log to
  }
}
