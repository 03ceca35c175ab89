export * from './policy.js';
export { SIGNING_ERROR_CODES, SigningError, type SigningErrorCode } from './errors.js';
export {
  MAX_ENVELOPE_CERTIFICATES,
  MAX_SIGNATURE_ENVELOPE_BYTES,
  parseSignatureEnvelope,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  type SignatureEnvelope,
  validateSignatureEnvelope,
  VERIFIED_ALGORITHM,
} from './envelope.js';
export { signBundle, type SignBundleOptions } from './sign.js';
export { TrustStore } from './trust-store.js';
export {
  type CheckResult,
  SIGNATURE_CHECKS,
  type SignatureCheckName,
  type SignatureVerdict,
  type SignerInfo,
  type VerdictStatus,
  verifyBundleSignature,
  type VerifyBundleSignatureOptions,
} from './verify.js';
export {
  CLOCK_SKEW_MS,
  createDevCa,
  type CreateDevCaOptions,
  developmentCaName,
  DEFAULT_RSA_KEY_BITS,
  issuePublisherCertificate,
  type IssuePublisherCertificateOptions,
  type KeyAndCertificate,
} from './keygen.js';
export { RSA_KEY_SIZES, type RsaKeySize } from './keys.js';
export { PSS_SALT_LENGTH } from './rsa-pss.js';
export { certificateFingerprint, type CertificateSummary, MIN_RSA_KEY_BITS, normalizeFingerprint } from './x509.js';
