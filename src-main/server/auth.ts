import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The cookie set on the first visit with `?token=`. Browsers send a cookie to every port of a host,
 * so its name carries the port (like Jupyter's `username-<host>-<port>`) and its value is not the
 * token but an HMAC of it bound to the port: another local server the browser visits neither reads
 * our cookie under its own name nor learns from it the token that `?token=` and Bearer accept.
 */
export const TOKEN_COOKIE_PREFIX = 'pretext_token_';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The name of the auth cookie of the server listening on `port`. */
export function tokenCookieName(port: number): string {
  return `${TOKEN_COOKIE_PREFIX}${port}`;
}

/** The value of the auth cookie: HMAC-SHA256 of the port, keyed by the server's token. */
export function tokenCookieValue(token: string, port: number): string {
  return createHmac('sha256', token).update(`cookie:${port}`).digest('base64url');
}

/** The Set-Cookie header a request carrying a valid `?token=` is answered with. */
export function tokenSetCookie(token: string, port: number): string {
  return `${tokenCookieName(port)}=${tokenCookieValue(token, port)}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Constant-time comparison of two secrets of any length (both are hashed first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The cookies of a Cookie header, by name (a name may come more than once). Tolerant: a pair without
 * `=`, or whose value is not valid percent-encoding, is left out rather than thrown on.
 */
export function parseCookies(header: string | string[] | undefined): Map<string, string[]> {
  const cookies = new Map<string, string[]>();
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        continue;
      }
    }
    if (name === '') continue;
    const values = cookies.get(name);
    if (values) values.push(value);
    else cookies.set(name, [value]);
  }
  return cookies;
}

/** The token a request names explicitly: `?token=` or `Authorization: Bearer`; null when neither. */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  return null;
}

/**
 * Whether a request carries the server's token (`?token=`, `Authorization: Bearer`) or, failing
 * those, the port-bound cookie of the server listening on `port`. Never throws.
 */
export function isAuthorised(req: IncomingMessage, url: URL, token: string, port: number): boolean {
  const given = requestToken(req, url);
  if (given !== null) return sameSecret(given, token);
  const values = parseCookies(req.headers.cookie).get(tokenCookieName(port));
  if (!values) return false;
  const expected = tokenCookieValue(token, port);
  let ok = false;
  for (const value of values) if (sameSecret(value, expected)) ok = true;
  return ok;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Refuses requests whose Host header names another site (DNS rebinding) when the server listens on
 * loopback. When bound elsewhere with --host, any Host is accepted and the token is the guard.
 */
export function isAllowedHost(req: IncomingMessage, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  const host = typeof req.headers.host === 'string' ? req.headers.host : '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK_NAMES.has(name.toLowerCase());
}

/** A WebSocket may only be opened by a page served from this same server. */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // non-browser clients (CLI tests) send no Origin; they still need the token
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
