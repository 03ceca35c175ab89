import { defineErrorCodes } from '@extplat/server-core';
import { SIGNING_ERROR_CODES } from '@extplat/signing';

export const UploadErrors = defineErrorCodes([
  'BUNDLE_TOO_LARGE',
  'UPLOAD_NOT_FOUND',
  'UPLOAD_NOT_OWNED',
  'UPLOAD_EXPIRED',
  'UPLOAD_IN_PROGRESS',
  'UPLOAD_INCOMPLETE',
  'WRONG_STRATEGY',
  'INVALID_PART_NUMBER',
  'PART_SIZE_MISMATCH',
  'NOT_ZSTD',
  'HASH_MISMATCH',
  'INVALID_BUNDLE',
  'INVALID_MANIFEST',
  'VERSION_EXISTS',
  'EXTENSION_OWNED_BY_OTHER_PUBLISHER',
]);

// A rejected signature answers with the failed check's own code (SIGNATURE_REQUIRED, SIGNER_UNTRUSTED, ...).
defineErrorCodes(SIGNING_ERROR_CODES);
