import { defineErrorCodes } from '@extplat/server-core';

export const RegistryErrors = defineErrorCodes({
  EXTENSION_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  INVALID_CURSOR: 400,
  /** Publishing: the version exists with other content. Finalize answers it (listed with the upload codes). */
  VERSION_EXISTS: 409,
  /** Publishing: the extension's name belongs to another publisher. */
  EXTENSION_OWNED_BY_OTHER_PUBLISHER: 409,
});
