import { defineErrorCodes } from '@extplat/server-core';

export const RegistryErrors = defineErrorCodes({
  EXTENSION_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
});
