import { defineErrorCodes } from '@extplat/server-core';

/** Codes of the auth module; UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED and VALIDATION_FAILED are common. */
export const AuthErrors = defineErrorCodes({
  /** Wrong email or password; deliberately never says which. */
  INVALID_CREDENTIALS: 401,
  /** The session token has expired: log in again. */
  SESSION_EXPIRED: 401,
  /** The session was ended before its expiry (password changed, user disabled or deleted): log in again. */
  SESSION_REVOKED: 401,
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
  /** No user has that id, or not in the caller's tenant (never said which). */
  USER_NOT_FOUND: 404,
  /** Disabling, deleting, re-roling or resetting the password of oneself: another admin must do it. */
  CANNOT_MANAGE_SELF: 409,
  /** The change would leave no enabled platform admin. */
  LAST_PLATFORM_ADMIN: 409,
  /** Changing one's own password needs the current one. */
  CURRENT_PASSWORD_WRONG: 403,
});
