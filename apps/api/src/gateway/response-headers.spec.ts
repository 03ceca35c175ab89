import { describe, expect, it } from '@jest/globals';
import { extensionResponse, filterResponseHeaders, forwardedRequestHeaders } from './response-headers.js';

describe('filterResponseHeaders', () => {
  it('keeps allowlisted and x-ext- headers and drops transport, cookie and policy headers', () => {
    expect(
      filterResponseHeaders([
        ['Content-Type', 'application/json'],
        ['ETag', '"v1"'],
        ['x-ext-trace', 'abc'],
        ['set-cookie', 'session=stolen'],
        ['connection', 'close'],
        ['transfer-encoding', 'chunked'],
        ['content-security-policy', 'default-src *'],
        ['access-control-allow-origin', '*'],
        ['x-powered-by', 'guest'],
        ['location', 'https://example.com/\r\nset-cookie: x=1'],
      ]),
    ).toEqual([
      ['content-type', 'application/json'],
      ['etag', '"v1"'],
      ['x-ext-trace', 'abc'],
      ['cache-control', 'no-store'],
      ['vary', 'authorization, x-api-key'],
    ]);
  });

  it('adds no-store only when the extension did not choose its caching', () => {
    expect(filterResponseHeaders([['cache-control', 'private, max-age=60']])).toEqual([
      ['cache-control', 'private, max-age=60'],
      ['vary', 'authorization, x-api-key'],
    ]);
  });

  it('never lets a shared cache keep a response: the same URL answers every tenant', () => {
    expect(filterResponseHeaders([['cache-control', 'public, max-age=600, s-maxage=3600']])).toEqual([
      ['cache-control', 'private, max-age=600'],
      ['vary', 'authorization, x-api-key'],
    ]);
    expect(filterResponseHeaders([['Cache-Control', 'PUBLIC']])).toEqual([
      ['cache-control', 'no-store'],
      ['vary', 'authorization, x-api-key'],
    ]);
    expect(filterResponseHeaders([['cache-control', 'no-store, public']])).toEqual([
      ['cache-control', 'no-store'],
      ['vary', 'authorization, x-api-key'],
    ]);
  });

  it("keeps the extension's Vary and adds the credential headers to it once", () => {
    expect(filterResponseHeaders([['vary', 'Accept-Language, Authorization']])).toEqual([
      ['cache-control', 'no-store'],
      ['vary', 'Accept-Language, Authorization, x-api-key'],
    ]);
    expect(filterResponseHeaders([['vary', '*']])).toEqual([
      ['cache-control', 'no-store'],
      ['vary', '*'],
    ]);
  });
});

describe('forwardedRequestHeaders', () => {
  it('never forwards credentials', () => {
    expect(
      forwardedRequestHeaders({
        authorization: 'Bearer user-session',
        cookie: 'a=b',
        accept: 'application/json',
        'x-ext-mode': 'fast',
        'x-forwarded-for': '10.0.0.1',
        'content-type': 'text/plain',
      }),
    ).toEqual([
      ['accept', 'application/json'],
      ['x-ext-mode', 'fast'],
      ['content-type', 'text/plain'],
    ]);
  });
});

describe('extensionResponse', () => {
  const answer = (status: number) => ({ status, headers: [], bodyB64: Buffer.from('hi').toString('base64') });

  it('refuses an interim 1xx status even if the Runner let it through', () => {
    for (const status of [100, 101, 103, 199, 600]) {
      expect(() => extensionResponse('com.example.x', answer(status))).toThrow(
        expect.objectContaining({ code: 'INVALID_EXTENSION_RESPONSE' }),
      );
    }
  });

  it('passes a final status with the filtered headers and the decoded body', () => {
    expect(extensionResponse('com.example.x', answer(204))).toEqual({
      status: 204,
      headers: [
        ['cache-control', 'no-store'],
        ['vary', 'authorization, x-api-key'],
      ],
      body: Buffer.from('hi'),
    });
  });
});
