import { defineErrorCodes } from '@extplat/server-core';

export const InstallErrors = defineErrorCodes({
  INSTALL_NOT_FOUND: 404,
  /** Shared with the auth module: a platform admin named a tenant that does not exist. */
  TENANT_NOT_FOUND: 404,
  ALREADY_INSTALLED: 409,
  /** Shared with the registry: the extension or the version does not exist. */
  EXTENSION_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  /** Yanked versions keep running where installed, but nothing new may move onto them. */
  VERSION_YANKED: 409,
  /** The config does not fit the version's schema; `details.issues` lists every problem by path. */
  INVALID_CONFIG: 400,
  /** The target version requests capabilities or egress beyond the current grant; `details` holds the diff. */
  APPROVAL_REQUIRED: 409,
  /** The grant names an unknown capability or an egress entry that is not an origin. */
  INVALID_GRANT: 400,
  SECRET_NOT_FOUND: 404,
  /** A secret was sealed under a key id EXT_SECRETS_KEY no longer lists: a configuration problem, not the caller's. */
  SECRETS_KEY_UNKNOWN: 500,
});
