/**
 * Headers an extension may set on its response. Everything else is dropped: transport headers (the
 * gateway owns the connection), cookies (the API's origin is the console's), and CORS or security
 * policy headers (the platform sets those).
 */
const ALLOWED_RESPONSE_HEADERS = new Set([
  'cache-control',
  'content-disposition',
  'content-language',
  'content-type',
  'etag',
  'expires',
  'last-modified',
  'location',
  'retry-after',
  'vary',
]);

/** Request headers passed to the extension. Credentials (authorization, cookies) never are. */
const FORWARDED_REQUEST_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'user-agent',
]);

const EXTENSION_HEADER = /^x-ext-[a-z0-9-]{1,64}$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function filterResponseHeaders(headers: readonly [string, string][]): [string, string][] {
  const kept: [string, string][] = [];
  for (const [rawName, value] of headers.slice(0, 64)) {
    const name = rawName.toLowerCase();
    if (
      (ALLOWED_RESPONSE_HEADERS.has(name) || EXTENSION_HEADER.test(name)) &&
      SAFE_VALUE.test(value) &&
      value.length <= 4096
    ) {
      kept.push([name, value]);
    }
  }
  // API responses are not cached unless the extension says otherwise.
  if (!kept.some(([name]) => name === 'cache-control')) kept.push(['cache-control', 'no-store']);
  return kept;
}

export function forwardedRequestHeaders(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const forwarded: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !(FORWARDED_REQUEST_HEADERS.has(name) || EXTENSION_HEADER.test(name))) continue;
    for (const item of Array.isArray(value) ? value : [value]) forwarded.push([name, item]);
  }
  return forwarded;
}
