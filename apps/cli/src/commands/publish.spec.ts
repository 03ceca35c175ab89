import { describe, expect, it } from '@jest/globals';
import { apiFailure } from '../api/api-errors.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { endsUpload } from './publish.js';

const refused = (status: number, code: string, details: Record<string, unknown> = {}): CliError =>
  apiFailure(status, { error: { code, message: code, details } }, 'finalize');

describe('a failed finalize', () => {
  it.each([
    [422, 'INVALID_MANIFEST'],
    [422, 'SIGNER_UNTRUSTED'],
    [409, 'VERSION_EXISTS'],
    [400, 'HASH_MISMATCH'],
    [404, 'UPLOAD_NOT_FOUND'],
    [410, 'UPLOAD_EXPIRED'],
  ])('ends the upload (the state file goes) on %p %s', (status, code) => {
    expect(endsUpload(refused(status, code))).toBe(true);
  });

  it.each([
    [409, 'UPLOAD_IN_PROGRESS', {}],
    [409, 'UPLOAD_INCOMPLETE', { retryable: true }],
    [401, 'UNAUTHENTICATED', {}],
    [503, 'SERVICE_UNAVAILABLE', {}],
  ])('leaves the upload open for --resume on %p %s', (status, code, details) => {
    expect(endsUpload(refused(status, code, details))).toBe(false);
  });

  it('leaves it open when the API was not reached at all', () => {
    expect(endsUpload(new CliError(ExitCode.NETWORK, 'cannot reach', 'API_UNREACHABLE'))).toBe(false);
    expect(endsUpload(new Error('boom'))).toBe(false);
  });
});
