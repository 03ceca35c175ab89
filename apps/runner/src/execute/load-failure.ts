import { DomainError } from '@extplat/server-core';
import { cacheFull, isNoSpace } from '../cache/cache.errors.js';
import { isSandboxError } from '../sandbox/index.js';
import { ExecuteErrors } from './execute.errors.js';

/**
 * What a failed `Sandbox.load` (transpile, shared artifact, compile) answers, for execute and prewarm alike:
 * a refused component is 502 COMPONENT_REJECTED; a full cache volume (transpiled output lives there too) is
 * 503 CACHE_FULL; anything else stays as it is.
 */
export function componentLoadFailure(error: unknown, cacheDir: string): unknown {
  if (isSandboxError(error)) {
    return new DomainError(ExecuteErrors.COMPONENT_REJECTED, error.message, { reason: error.code, ...error.details });
  }
  if (isNoSpace(error)) return cacheFull(cacheDir);
  return error;
}
