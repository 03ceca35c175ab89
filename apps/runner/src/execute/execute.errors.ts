import { defineErrorCodes } from '@extplat/server-core';

/**
 * Errors of `POST /v1/execute`. The gateway maps 504 to a timeout, passes 503 RUNNER_BUSY on with its
 * Retry-After, and maps every other failure to 502.
 */
export const ExecuteErrors = defineErrorCodes({
  /** Missing, malformed or wrong HMAC signature, or a timestamp outside the allowed skew. */
  EXECUTE_UNAUTHORIZED: 401,
  /** A nonce the Runner has already accepted. */
  EXECUTE_REPLAYED: 401,
  INVALID_EXECUTE_REQUEST: 400,
  EXECUTE_BODY_TOO_LARGE: 413,
  EXECUTION_TIMEOUT: 504,
  /** No worker came free within the queue budget, or the tenant has too many calls waiting; retry later. */
  RUNNER_BUSY: 503,
  /** REDIS_URL is set and Redis cannot be reached: a nonce cannot be checked, so no call is accepted. */
  REPLAY_CACHE_UNAVAILABLE: 503,
  EXTENSION_OUT_OF_MEMORY: 502,
  EXTENSION_FAILED: 502,
  CAPABILITY_NOT_GRANTED: 502,
  INVALID_EXTENSION_RESPONSE: 502,
  COMPONENT_REJECTED: 502,
  /** The registered bundle is missing from the store. */
  BUNDLE_UNAVAILABLE: 502,
});
