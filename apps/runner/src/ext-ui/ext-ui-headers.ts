import { posix } from 'node:path';

const TEXT = '; charset=utf-8';

/** MIME types of the files a web UI is made of; anything else is served as opaque bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: `text/html${TEXT}`,
  htm: `text/html${TEXT}`,
  js: `text/javascript${TEXT}`,
  mjs: `text/javascript${TEXT}`,
  css: `text/css${TEXT}`,
  json: `application/json${TEXT}`,
  map: `application/json${TEXT}`,
  txt: `text/plain${TEXT}`,
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  wasm: 'application/wasm',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function contentTypeFor(path: string): string {
  const extension = posix.extname(path).slice(1).toLowerCase();
  return Object.hasOwn(CONTENT_TYPES, extension)
    ? (CONTENT_TYPES[extension] ?? DEFAULT_CONTENT_TYPE)
    : DEFAULT_CONTENT_TYPE;
}

/** Strong: the file's SHA-256 from the cache index, so it never changes for the same bytes. */
export function etagFor(sha256: string): string {
  return `"${sha256}"`;
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`; `*` matches anything. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === etag;
  });
}

/**
 * Headers of every 200 and 304. The content under a content hash never changes, hence immutable caching.
 * Only the console may frame a UI; the UI loads its own files and talks to the console over postMessage,
 * so it may connect nowhere. `sandbox` gives the document an opaque origin wherever it is opened: framed
 * by the console (whose iframe has the same flags) and also as a top-level page, where it would otherwise
 * run on the Runner origin that every extension's UI shares (and could read one another's storage). Module scripts of an opaque-origin (sandboxed) frame are fetched in CORS mode,
 * hence `Access-Control-Allow-Origin: *`, harmless for public, immutable static files (ARCHITECTURE §9.5).
 */
export function staticHeaders(consoleOrigin: string): Readonly<Record<string, string>> {
  const csp = [
    'sandbox allow-scripts allow-forms',
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${consoleOrigin}`,
  ].join('; ');
  return {
    'cache-control': 'public, max-age=31536000, immutable',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': '*',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'cross-origin',
  };
}
