import { describe, expect, it } from '@jest/globals';
import { checkResponse, type ResponseLimits } from './response-limits.js';
import type { SandboxResponse } from './types.js';

const limits: ResponseLimits = { bodyMaxBytes: 10, headersMax: 2, headerMaxBytes: 32 };
const response = (patch: Partial<SandboxResponse> = {}): SandboxResponse => ({
  status: 200,
  headers: [['content-type', 'text/plain']],
  body: new Uint8Array(10),
  ...patch,
});

describe('checkResponse', () => {
  it('accepts a response within the limits', () => {
    expect(checkResponse(response(), limits)).toBeUndefined();
    expect(checkResponse(response({ status: 200 }), limits)).toBeUndefined();
    expect(checkResponse(response({ status: 599 }), limits)).toBeUndefined();
  });

  it('refuses a status outside 200-599', () => {
    expect(checkResponse(response({ status: 99 }), limits)).toMatch(/status 99/);
    expect(checkResponse(response({ status: 600 }), limits)).toMatch(/status 600/);
    expect(checkResponse(response({ status: 42 }), limits)).toMatch(/outside 200-599/);
  });

  it('refuses an interim 1xx status: it is not a final response and would leave the caller waiting', () => {
    for (const status of [100, 101, 103, 199]) {
      expect(checkResponse(response({ status }), limits)).toBe(`status ${status} is outside 200-599`);
    }
  });

  it('refuses too many or oversized headers', () => {
    const three: [string, string][] = [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ];
    expect(checkResponse(response({ headers: three }), limits)).toMatch(/3 headers/);
    expect(checkResponse(response({ headers: [['x-long', 'v'.repeat(27)]] }), limits)).toMatch(
      /33 bytes, more than 32/,
    );
  });

  it('refuses header names that are not tokens and values that could split the response', () => {
    expect(checkResponse(response({ headers: [['bad name', 'v']] }), limits)).toMatch(/not a valid token/);
    expect(checkResponse(response({ headers: [['x', 'a\r\nset-cookie: y']] }), limits)).toMatch(/CR, LF or NUL/);
  });

  it('refuses a body over the cap', () => {
    expect(checkResponse(response({ body: new Uint8Array(11) }), limits)).toMatch(/11 bytes is over the cap of 10/);
  });
});
