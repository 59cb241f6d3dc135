import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  isAuthorised,
  parseCookies,
  sameSecret,
  tokenCookieName,
  tokenCookieValue,
  tokenSetCookie,
} from '../../src-main/server/auth';
import { parseRequestTarget } from '../../src-main/server/serve';
import { decodePathname } from '../../src-main/server/static';

const token = 'a-test-token-of-32-characters-xx';
const req = (headers: Record<string, string | string[]>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const url = (target: string): URL => parseRequestTarget(target)!;

describe('the port-bound auth cookie', () => {
  it('is named after the port and holds an HMAC of the token, never the token', () => {
    expect(tokenCookieName(8765)).toBe('pretext_token_8765');
    const value = tokenCookieValue(token, 8765);
    expect(value).toBe(createHmac('sha256', token).update('cookie:8765').digest('base64url'));
    expect(value).not.toContain(token);
    expect(tokenCookieValue(token, 8766)).not.toBe(value);
    expect(tokenCookieValue(`${token}x`, 8765)).not.toBe(value);
    expect(tokenSetCookie(token, 8765)).toBe(`pretext_token_8765=${value}; HttpOnly; SameSite=Strict; Path=/`);
  });

  it('authorises the cookie of this port only', () => {
    const cookie = `pretext_token_8765=${tokenCookieValue(token, 8765)}`;
    expect(isAuthorised(req({ cookie }), url('/'), token, 8765)).toBe(true);
    expect(isAuthorised(req({ cookie }), url('/'), token, 8766)).toBe(false);
    expect(isAuthorised(req({ cookie: `pretext_token_8765=${token}` }), url('/'), token, 8765)).toBe(false);
    expect(isAuthorised(req({ cookie: `pretext_token=${token}` }), url('/'), token, 8765)).toBe(false);
    expect(isAuthorised(req({ cookie: `pretext_token_8765=%; ${cookie}` }), url('/'), token, 8765)).toBe(true);
    expect(isAuthorised(req({ cookie: 'pretext_token_8765=%' }), url('/'), token, 8765)).toBe(false);
  });

  it('still takes the token from ?token= or a Bearer header, which decide when present', () => {
    expect(isAuthorised(req({}), url(`/?token=${token}`), token, 1)).toBe(true);
    expect(isAuthorised(req({ authorization: `Bearer ${token}` }), url('/'), token, 1)).toBe(true);
    expect(isAuthorised(req({ authorization: `Bearer ${token}x` }), url('/'), token, 1)).toBe(false);
    expect(isAuthorised(req({}), url('/?token=%'), token, 1)).toBe(false);
    expect(isAuthorised(req({}), url('/'), token, 1)).toBe(false);
    expect(isAuthorised(req({ cookie: `pretext_token_1=${tokenCookieValue(token, 1)}` }), url('/?token=wrong'), token, 1)).toBe(false);
  });
});

describe('parseCookies', () => {
  it('reads pairs, repeats and quoted values, and drops malformed ones instead of throwing', () => {
    const cookies = parseCookies('a=1; b="2"; a=3; c=%zz; d=%41; =e; f; g=x=y; h=%');
    expect(cookies.get('a')).toEqual(['1', '3']);
    expect(cookies.get('b')).toEqual(['2']);
    expect(cookies.get('c')).toBeUndefined();
    expect(cookies.get('d')).toEqual(['A']);
    expect(cookies.get('f')).toBeUndefined();
    expect(cookies.get('g')).toEqual(['x=y']);
    expect(cookies.get('h')).toBeUndefined();
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies(['a=1', 'b=2']).get('b')).toEqual(['2']);
  });

  it('compares secrets of any length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
  });
});

describe('parseRequestTarget', () => {
  it('accepts origin-form targets', () => {
    expect(parseRequestTarget('/')?.pathname).toBe('/');
    expect(parseRequestTarget('/api?token=x')?.searchParams.get('token')).toBe('x');
    expect(parseRequestTarget('/..%2f..%2fserve.db')?.pathname).toBe('/..%2f..%2fserve.db');
    expect(parseRequestTarget('/media/thumb/1')?.pathname).toBe('/media/thumb/1');
    expect(parseRequestTarget('/a?q=%')?.searchParams.get('q')).toBe('%');
  });

  it('returns null for anything malformed, never throwing', () => {
    for (const target of [undefined, '', '*', '//', '///x', '//evil.example/', 'http://evil/', 'api', '\\', '/\\evil', '/%', '/%zz', '/%ff', '/a%00b', '/media/image/%', '/export/run/%ff.csv']) {
      expect(parseRequestTarget(target), String(target)).toBeNull();
    }
  });

  it('decodePathname refuses bad percent-encoding and NUL', () => {
    expect(decodePathname('/a%20b')).toBe('/a b');
    expect(decodePathname('/%')).toBeNull();
    expect(decodePathname('/%e0%80')).toBeNull();
    expect(decodePathname('/%00')).toBeNull();
  });
});
