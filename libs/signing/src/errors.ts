import { SIGNING_ERROR_CODES, type SigningErrorCode } from '@extplat/contracts';

/**
 * Machine-readable codes; the API maps them to error responses and the audit log records them. They live in
 * the error catalog of libs/contracts, next to their status and the console's words.
 */

export { SIGNING_ERROR_CODES, type SigningErrorCode };

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
