import { defineErrorCodes } from '@extplat/server-core';

/**
 * Errors of `POST /v1/execute`. The gateway maps 504 to a timeout, passes 503 RUNNER_BUSY on with its
 * Retry-After, and maps every other failure to 502.
 */
export const ExecuteErrors = defineErrorCodes([
  'EXECUTE_UNAUTHORIZED',
  'EXECUTE_REPLAYED',
  'INVALID_EXECUTE_REQUEST',
  'EXECUTE_BODY_TOO_LARGE',
  'EXECUTION_TIMEOUT',
  'RUNNER_BUSY',
  'REPLAY_CACHE_UNAVAILABLE',
  'EXTENSION_OUT_OF_MEMORY',
  'EXTENSION_FAILED',
  'CAPABILITY_NOT_GRANTED',
  'INVALID_EXTENSION_RESPONSE',
  'COMPONENT_REJECTED',
  'BUNDLE_UNAVAILABLE',
]);
