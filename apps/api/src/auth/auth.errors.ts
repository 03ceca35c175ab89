import { defineErrorCodes } from '@extplat/server-core';

/** Codes of the auth module; UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED and VALIDATION_FAILED are common. */
export const AuthErrors = defineErrorCodes({
  /** Wrong email or password; deliberately never says which. */
  INVALID_CREDENTIALS: 401,
  /** The session token has expired: log in again. */
  SESSION_EXPIRED: 401,
  API_KEY_REVOKED: 401,
  API_KEY_EXPIRED: 401,
  /** A route declares neither `@Public()` nor `@Authenticated`: denied, whoever calls. */
  ROUTE_NOT_DECLARED: 403,
  /** A platform admin has no tenant; a tenant admin or member needs one. */
  INVALID_ROLE_SCOPE: 400,
  TENANT_NOT_FOUND: 404,
  TENANT_SLUG_TAKEN: 409,
  EMAIL_TAKEN: 409,
  API_KEY_NOT_FOUND: 404,
});
