import { describe, expect, it } from '@jest/globals';
import { ExitCode } from '../exit-codes.js';
import { apiFailure, exitCodeForApiError, failedSignatureCheck } from './api-errors.js';

const body = (code: string, message: string, details?: Record<string, unknown>) => ({
  error: { code, message, ...(details ? { details } : {}) },
  requestId: 'req-1',
});

describe('API errors', () => {
  it.each([
    [401, 'UNAUTHENTICATED', ExitCode.AUTH],
    [403, 'FORBIDDEN', ExitCode.AUTH],
    [409, 'VERSION_EXISTS', ExitCode.CONFLICT],
    [409, 'ALREADY_INSTALLED', ExitCode.CONFLICT],
    [409, 'APPROVAL_REQUIRED', ExitCode.APPROVAL_REQUIRED],
    [422, 'INVALID_BUNDLE', ExitCode.INVALID_BUNDLE],
    [400, 'HASH_MISMATCH', ExitCode.INVALID_BUNDLE],
    [413, 'BUNDLE_TOO_LARGE', ExitCode.INVALID_BUNDLE],
    [415, 'NOT_ZSTD', ExitCode.INVALID_BUNDLE],
    [422, 'INVALID_MANIFEST', ExitCode.INVALID_MANIFEST],
    [422, 'SIGNATURE_REQUIRED', ExitCode.SIGNATURE],
    [422, 'SIGNATURE_INVALID', ExitCode.SIGNATURE],
    [422, 'SIGNER_UNTRUSTED', ExitCode.SIGNATURE],
    [422, 'PUBLISHER_MISMATCH', ExitCode.SIGNATURE],
    [404, 'EXTENSION_NOT_FOUND', ExitCode.NOT_FOUND],
    [410, 'UPLOAD_EXPIRED', ExitCode.NOT_FOUND],
    [400, 'VALIDATION_FAILED', ExitCode.INVALID_REQUEST],
    [400, 'INVALID_CONFIG', ExitCode.INVALID_REQUEST],
    [429, 'RATE_LIMITED', ExitCode.NETWORK],
    [503, 'SERVICE_UNAVAILABLE', ExitCode.NETWORK],
    [500, 'INTERNAL_ERROR', ExitCode.NETWORK],
    [418, 'TEAPOT', ExitCode.FAILURE],
  ])('maps HTTP %p %s to exit status %p', (status, code, exitCode) => {
    expect(exitCodeForApiError(status, code)).toBe(exitCode);
    expect(apiFailure(status, body(code, 'nope'), 'call').exitCode).toBe(exitCode);
  });

  it('keeps the code, the details and the request id, and says what failed', () => {
    const failure = apiFailure(
      422,
      body('INVALID_MANIFEST', 'manifest.json is not valid', { issues: [{ path: 'version', message: 'not semver' }] }),
      'finalize',
    );
    expect(failure.code).toBe('INVALID_MANIFEST');
    expect(failure.message).toBe('finalize: manifest.json is not valid (INVALID_MANIFEST)');
    expect(failure.details).toEqual({
      status: 422,
      issues: [{ path: 'version', message: 'not semver' }],
      requestId: 'req-1',
    });
  });

  it('names the failed signature check', () => {
    const verdict = {
      status: 'rejected',
      checks: [
        { name: 'envelope', status: 'pass' },
        { name: 'chain', status: 'fail', code: 'SIGNER_UNTRUSTED', message: 'no trusted CA issued the certificate' },
        { name: 'publisher', status: 'skipped' },
      ],
    };
    expect(failedSignatureCheck({ verdict })).toBe('chain: no trusted CA issued the certificate');
    const failure = apiFailure(422, body('SIGNER_UNTRUSTED', 'The signer is not trusted', { verdict }), 'finalize');
    expect(failure.message).toContain('failed check: chain: no trusted CA issued the certificate');
    expect(failedSignatureCheck({})).toBeUndefined();
    expect(failedSignatureCheck({ verdict: { checks: [{ name: 'x', status: 'pass' }] } })).toBeUndefined();
  });

  it('tells what to do about a refused key and an existing version', () => {
    expect(apiFailure(401, body('UNAUTHENTICATED', 'Sign in'), 'initiate').message).toMatch(/EXTCTL_API_KEY/);
    expect(apiFailure(409, body('VERSION_EXISTS', 'exists'), 'finalize').message).toMatch(/bump the version/);
  });

  it('copes with a body that is not the API error shape', () => {
    const failure = apiFailure(502, '<html>Bad Gateway</html>', 'initiate');
    expect(failure).toMatchObject({ exitCode: ExitCode.NETWORK, code: 'HTTP_502' });
    expect(failure.message).toBe('initiate failed with HTTP 502: <html>Bad Gateway</html>');
    expect(apiFailure(403, undefined, 'x').exitCode).toBe(ExitCode.AUTH);
  });

  it('names the CAs the platform trusts when the signer is untrusted', () => {
    const fingerprint = 'ab'.repeat(32);
    const failure = apiFailure(
      422,
      body('SIGNER_UNTRUSTED', 'the issuer is not trusted', {
        trustedCas: [{ subject: 'CN=extplat development CA (.data) abababab', fingerprint }],
      }),
      'finalize',
    );
    expect(failure.message).toContain(
      `this platform trusts CN=extplat development CA (.data) abababab (SHA-256 ${fingerprint})`,
    );
  });
});
