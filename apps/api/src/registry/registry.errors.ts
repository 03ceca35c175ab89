import { defineErrorCodes } from '@extplat/server-core';

export const RegistryErrors = defineErrorCodes(['EXTENSION_NOT_FOUND', 'VERSION_NOT_FOUND', 'INVALID_CURSOR']);
