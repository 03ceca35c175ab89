import { describe, expect, it } from '@jest/globals';
import { ApiError, isApiError, parseErrorBody } from './errors.js';

describe('ApiError', () => {
  it("takes code, message, details and request id from the API's error body", () => {
    const body = {
      error: { code: 'HASH_MISMATCH', message: 'bytes differ', details: { expected: 'a' } },
      requestId: 'r1',
    };
    const error = ApiError.fromResponse(400, body, 'from-header');
    expect(error).toMatchObject({
      status: 400,
      code: 'HASH_MISMATCH',
      message: 'bytes differ',
      details: { expected: 'a' },
      requestId: 'r1',
    });
    expect(isApiError(error, 'HASH_MISMATCH')).toBe(true);
    expect(isApiError(error, 'FORBIDDEN')).toBe(false);
  });

  it('reads a body that arrived as text, and falls back to the header id when the body has none', () => {
    const text = JSON.stringify({ error: { code: 'FORBIDDEN', message: 'no' }, requestId: null });
    expect(ApiError.fromResponse(403, text, 'h1')).toMatchObject({ code: 'FORBIDDEN', details: {}, requestId: 'h1' });
  });

  it('names an answer that is not the error body by its status, keeping the start of its text', () => {
    const error = ApiError.fromResponse(502, '<html>Bad Gateway</html>', null);
    expect(error).toMatchObject({ status: 502, code: 'HTTP_502', message: '<html>Bad Gateway</html>' });
    expect(ApiError.fromResponse(500, undefined).message).toBe('HTTP 500');
  });

  it.each([null, 'text', { error: 'x' }, { error: { code: 1, message: 'm' } }, { error: { code: 'C' } }])(
    'does not take %p for an error body',
    (body) => {
      expect(parseErrorBody(body)).toBeNull();
    },
  );

  it('ignores details that are not an object', () => {
    expect(parseErrorBody({ error: { code: 'C', message: 'm', details: 'x' } })).toEqual({
      error: { code: 'C', message: 'm' },
      requestId: null,
    });
  });
});
