import { defineErrorCodes } from '@extplat/server-core';

export const InstallErrors = defineErrorCodes([
  'INSTALL_NOT_FOUND',
  'TENANT_NOT_FOUND',
  'ALREADY_INSTALLED',
  'EXTENSION_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'VERSION_YANKED',
  'INVALID_CONFIG',
  'APPROVAL_REQUIRED',
  'INVALID_GRANT',
  'SECRET_NOT_FOUND',
  'SECRET_NOT_DECLARED',
  'SECRETS_KEY_UNKNOWN',
]);
