import { defineErrorCodes } from '@extplat/server-core';

export const RegistryErrors = defineErrorCodes([
  'EXTENSION_NOT_FOUND',
  'VERSION_NOT_FOUND',
  // Publishing (finalize answers them; listed with the upload codes too).
  'VERSION_EXISTS',
  'EXTENSION_OWNED_BY_OTHER_PUBLISHER',
]);
