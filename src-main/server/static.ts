import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

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

/** Serves a file of the built renderer; returns false when there is no such file. */
export async function serveStatic(root: string, pathname: string, res: ServerResponse): Promise<boolean> {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  const abs = join(root, rel === '' ? 'index.html' : rel);
  if (abs !== root && !abs.startsWith(root + sep)) return false;
  const info = await stat(abs).catch(() => null);
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[extname(abs)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(abs).pipe(res);
  return true;
}
