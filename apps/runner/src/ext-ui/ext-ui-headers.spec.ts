import { describe, expect, it } from '@jest/globals';
import { contentTypeFor, etagFor, etagMatches, staticHeaders } from './ext-ui-headers.js';

describe('ext-ui headers', () => {
  it('maps file extensions to MIME types, with a charset for text, case-insensitively', () => {
    expect(contentTypeFor('ui/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('ui/APP.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('ui/app.js.map')).toBe('application/json; charset=utf-8');
    expect(contentTypeFor('ui/font.woff2')).toBe('font/woff2');
    expect(contentTypeFor('ui/x.wasm')).toBe('application/wasm');
    expect(contentTypeFor('ui/README')).toBe('application/octet-stream');
    expect(contentTypeFor('ui/x.constructor')).toBe('application/octet-stream');
    expect(contentTypeFor('ui/x.exe')).toBe('application/octet-stream');
  });

  it('matches If-None-Match with the weak comparison, lists and the wildcard', () => {
    const etag = etagFor('f'.repeat(64));
    expect(etag).toBe(`"${'f'.repeat(64)}"`);
    expect(etagMatches(undefined, etag)).toBe(false);
    expect(etagMatches(etag, etag)).toBe(true);
    expect(etagMatches(`W/${etag}`, etag)).toBe(true);
    expect(etagMatches(`"a", ${etag}`, etag)).toBe(true);
    expect(etagMatches('*', etag)).toBe(true);
    expect(etagMatches('"a", "b"', etag)).toBe(false);
    expect(etagMatches('f'.repeat(64), etag)).toBe(false);
  });

  it('lets only the console frame the UI', () => {
    const headers = staticHeaders('https://console.example.com');
    expect(headers['content-security-policy']).toMatch(/(^|; )frame-ancestors https:\/\/console\.example\.com$/);
    expect(headers['content-security-policy']).toContain("connect-src 'none'");
    expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('sandboxes the document even when it is opened as a top-level page', () => {
    const directives = staticHeaders('https://console.example.com')['content-security-policy']!.split('; ');
    // Exactly the console iframe's flags: no allow-same-origin (opaque origin), no popups or top navigation.
    expect(directives.filter((directive) => directive.startsWith('sandbox'))).toEqual([
      'sandbox allow-scripts allow-forms',
    ]);
  });
});
