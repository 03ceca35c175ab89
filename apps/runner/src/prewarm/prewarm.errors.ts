import { defineErrorCodes } from '@extplat/server-core';

/** Errors of `POST /v1/prewarm`. The API only logs them: an install never fails because a prewarm did. */
export const PrewarmErrors = defineErrorCodes({
  /** Missing, malformed or wrong HMAC signature, or a timestamp outside the allowed skew. */
  PREWARM_UNAUTHORIZED: 401,
  /** A nonce this Runner has already accepted. */
  PREWARM_REPLAYED: 401,
  INVALID_PREWARM_REQUEST: 400,
  PREWARM_BODY_TOO_LARGE: 413,
  /** The registered bundle is missing from the store. */
  BUNDLE_UNAVAILABLE: 502,
  /** The bundle or its component was refused (hash, signature, safety or import checks). */
  COMPONENT_REJECTED: 502,
});
