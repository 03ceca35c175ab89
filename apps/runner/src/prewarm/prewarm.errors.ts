import { defineErrorCodes } from '@extplat/server-core';

/**
 * Errors of `POST /v1/prewarm` (statuses and wording in the contracts catalog). The API only logs them: an
 * install never fails because a prewarm did. BUNDLE_UNAVAILABLE: the registered bundle is missing from the
 * store; COMPONENT_REJECTED: the bundle or its component was refused (hash, signature, safety or imports).
 */
export const PrewarmErrors = defineErrorCodes([
  'PREWARM_UNAUTHORIZED',
  'PREWARM_REPLAYED',
  'INVALID_PREWARM_REQUEST',
  'PREWARM_BODY_TOO_LARGE',
  'BUNDLE_UNAVAILABLE',
  'COMPONENT_REJECTED',
]);
