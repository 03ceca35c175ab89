/** Machine-readable codes; the API maps them to error responses and the audit log records them. */
export const SIGNING_ERROR_CODES = [
  'SIGNATURE_REQUIRED',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_INVALID',
  'UNSUPPORTED_ALGORITHM',
  'SIGNER_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'KEY_USAGE_INVALID',
  'PUBLISHER_MISMATCH',
  'DIGEST_MISMATCH',
  'TRUST_BUNDLE_INVALID',
  'KEY_CERT_MISMATCH',
  'PRIVATE_KEY_INVALID',
  'CERTIFICATE_INVALID',
] as const;
export type SigningErrorCode = (typeof SIGNING_ERROR_CODES)[number];

export class SigningError extends Error {
  override readonly name = 'SigningError';

  constructor(
    readonly code: SigningErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}
