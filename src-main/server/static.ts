import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

/** A URL path with its percent-encoding decoded; null when the encoding is malformed or names a NUL. */
export function decodePathname(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  return decoded.includes('\0') ? null : decoded;
}

/** How serveStatic answered: it sent the file, there is no such file, or the path is malformed (nothing sent). */
export type StaticResult = 'served' | 'missing' | 'bad_path';

/** Serves a file of the built renderer; sends nothing unless it returns 'served'. Never throws. */
export async function serveStatic(root: string, pathname: string, res: ServerResponse): Promise<StaticResult> {
  const decoded = decodePathname(pathname);
  if (decoded === null) return 'bad_path';
  const base = resolve(root);
  const rel = normalize(decoded).replace(/^([/\\])+/, '');
  const abs = join(base, rel === '' ? 'index.html' : rel);
  if (abs !== base && !abs.startsWith(base + sep)) return 'missing';
  const info = await stat(abs).catch(() => null);
  if (!info?.isFile()) return 'missing';
  if (res.headersSent || res.destroyed) return 'served';
  res.writeHead(200, {
    'Content-Type': TYPES[extname(abs)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (res.req?.method === 'HEAD') {
    res.end();
    return 'served';
  }
  // pipeline, not pipe: a read error (the file vanished) must end the response, not the process.
  pipeline(createReadStream(abs), res, (error) => {
    if (error && !res.destroyed) res.destroy();
  });
  return 'served';
}
