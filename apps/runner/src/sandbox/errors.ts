import { DomainError } from '@extplat/server-core';

/** Stable codes for the sandbox's own failures (guest failures are outcomes, not errors). */
export type SandboxErrorCode =
  | 'INVALID_CONTENT_HASH'
  | 'COMPONENT_IMPORTS_NOT_ALLOWED'
  | 'COMPONENT_LOAD_FAILED'
  | 'COMPONENT_NOT_LOADED'
  | 'SANDBOX_CLOSED';

/**
 * A DomainError so the Runner's services can map it like any other; the codes are not registered with
 * an HTTP status here, because the caller decides what a failed load means for its request.
 */
export class SandboxError extends DomainError {
  override readonly name = 'SandboxError';

  constructor(
    override readonly code: SandboxErrorCode,
    message: string,
    override readonly details: Record<string, unknown> = {},
  ) {
    super(code, message, details);
  }
}

export function isSandboxError(error: unknown, code?: SandboxErrorCode): error is SandboxError {
  return error instanceof SandboxError && (code === undefined || error.code === code);
}
