import { defineErrorCodes } from '@extplat/server-core';
import { SIGNING_ERROR_CODES } from '@extplat/signing';

export const UploadErrors = defineErrorCodes({
  BUNDLE_TOO_LARGE: 413,
  UPLOAD_NOT_FOUND: 404,
  UPLOAD_NOT_OWNED: 403,
  UPLOAD_EXPIRED: 410,
  UPLOAD_IN_PROGRESS: 409,
  UPLOAD_INCOMPLETE: 409,
  WRONG_STRATEGY: 409,
  INVALID_PART_NUMBER: 400,
  PART_SIZE_MISMATCH: 400,
  NOT_ZSTD: 415,
  HASH_MISMATCH: 400,
  INVALID_BUNDLE: 422,
  INVALID_MANIFEST: 422,
  VERSION_EXISTS: 409,
  EXTENSION_OWNED_BY_OTHER_PUBLISHER: 409,
});

// A rejected signature answers with the failed check's own code (SIGNATURE_REQUIRED, SIGNER_UNTRUSTED, ...).
defineErrorCodes(Object.fromEntries(SIGNING_ERROR_CODES.map((code) => [code, 422])) as Record<string, number>);
