import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { ERROR_CATALOG } from '@extplat/contracts';
import { ApiError, explain } from './api-error';

const httpError = (status: number, code: string, message: string, details?: Record<string, unknown>) =>
  new HttpErrorResponse({
    status,
    error: { error: { code, message, details }, requestId: 'req-1' },
    headers: new HttpHeaders(),
  });

describe('explain', () => {
  it('says the bundle is too large, with both sizes and what to do', () => {
    const explanation = explain(
      httpError(413, 'BUNDLE_TOO_LARGE', 'too big', { limit: 1024 * 1024, size: 3 * 1024 * 1024 }),
    );
    expect(explanation.title).toBe('Bundle too large');
    expect(explanation.message).toBe('The bundle is 3.0 MiB; the platform accepts at most 1.0 MiB.');
    expect(explanation.action).toContain('BUNDLE_MAX_BYTES');
    expect(explanation.requestId).toBe('req-1');
  });

  it('names the CAs the platform trusts when the signer is untrusted', () => {
    const fingerprint = 'ab'.repeat(32);
    const explanation = explain(
      httpError(422, 'SIGNER_UNTRUSTED', 'the issuer is not trusted', {
        trustedCas: [{ subject: 'CN=extplat development CA (.data) 3f9a1c2e', fingerprint }],
      }),
    );
    expect(explanation.message).toBe(
      `the issuer is not trusted. This platform trusts CN=extplat development CA (.data) 3f9a1c2e (SHA-256 ${fingerprint}).`,
    );
  });

  it('names the signature check that failed', () => {
    const checks = [
      { name: 'integrity', status: 'pass' },
      { name: 'publisher', status: 'fail', code: 'PUBLISHER_MISMATCH', message: 'signed by intruder, not example' },
    ];
    const explanation = explain(httpError(422, 'PUBLISHER_MISMATCH', 'rejected', { verdict: { checks } }));
    expect(explanation.title).toBe('Signature rejected');
    expect(explanation.message).toBe('The "publisher" check failed: signed by intruder, not example');
    expect(explanation.checks).toHaveLength(2);
  });

  it('lists every manifest issue with its path', () => {
    const explanation = explain(
      httpError(422, 'INVALID_MANIFEST', 'invalid', {
        issues: [
          { path: 'version', message: 'must be semver' },
          { path: '', message: 'unknown field' },
        ],
      }),
    );
    expect(explanation.issues).toEqual([
      { path: 'version', message: 'must be semver' },
      { path: '(root)', message: 'unknown field' },
    ]);
  });

  it('names the field that holds unusable characters', () => {
    const explanation = explain(
      httpError(400, 'INVALID_TEXT', 'The request body holds a NUL character at config.greeting', {
        path: 'config.greeting',
        problem: 'nul',
      }),
    );
    expect(explanation.title).toBe('Unusable characters');
    expect(explanation.issues).toEqual([
      { path: 'config.greeting', message: 'The request body holds a NUL character at config.greeting' },
    ]);
  });

  it.each([
    ['VERSION_EXISTS', 409, 'Version already exists', /Bump "version"/],
    ['UNAUTHENTICATED', 401, 'Session expired', /Sign in again/],
    ['SESSION_REVOKED', 401, 'Session ended', /Sign in again/],
    ['FORBIDDEN', 403, 'Not allowed', /platform admin/],
    ['UPLOAD_NOT_OWNED', 403, 'Upload started by someone else', /Start your own upload/],
  ])('explains %s', (code, status, title, action) => {
    const explanation = explain(httpError(status, code, 'server message'));
    expect(explanation.title).toBe(title);
    expect(explanation.action).toMatch(action);
  });

  it("shows the error catalog's title and action for every code the servers answer with", () => {
    for (const [code, info] of Object.entries(ERROR_CATALOG)) {
      const explanation = explain(httpError(info.status, code, 'server message'));
      expect({ code, title: explanation.title, action: explanation.action }).toEqual({
        code,
        title: info.title,
        action: info.action,
      });
    }
  });

  it('falls back to the status for a code outside the catalog', () => {
    expect(explain(httpError(502, 'SOMETHING_NEW', 'm')).title).toBe('Server error');
    expect(explain(httpError(400, 'SOMETHING_NEW', 'm')).action).toBe('Check what you entered and try again.');
  });

  it('treats no answer as a lost connection that uploads recover from', () => {
    const error = ApiError.from(new HttpErrorResponse({ status: 0 }));
    expect(error.isNetwork).toBe(true);
    expect(error.isTransient).toBe(true);
    expect(explain(error).action).toContain('resume by themselves');
  });

  it('reads error bodies that arrive as text', () => {
    const error = ApiError.from(
      new HttpErrorResponse({
        status: 409,
        error: JSON.stringify({ error: { code: 'VERSION_EXISTS', message: 'm' }, requestId: null }),
      }),
    );
    expect(error.code).toBe('VERSION_EXISTS');
  });
});
