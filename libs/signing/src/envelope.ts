import { type ContentHash, isContentHash } from '@extplat/contracts';
import { SigningError } from './errors.js';
import { decodeBase64, scanPem } from './pem.js';
import { SIGNATURE_FORMAT } from './policy.js';

/**
 * Algorithm names an envelope may carry. Only RSASSA-PSS-SHA256 is verified: node-forge reads neither EC
 * keys nor EC certificates, so ECDSA-P256-SHA256 is recognised (parsed) but verification reports
 * UNSUPPORTED_ALGORITHM.
 */
export const SIGNATURE_ALGORITHMS = ['RSASSA-PSS-SHA256', 'ECDSA-P256-SHA256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];
export const VERIFIED_ALGORITHM = 'RSASSA-PSS-SHA256' satisfies SignatureAlgorithm;

/** A real envelope (leaf + two intermediates of 4096-bit RSA) is under 10 KiB. */
export const MAX_SIGNATURE_ENVELOPE_BYTES = 64 * 1024;
/** The leaf and up to four intermediates. */
export const MAX_ENVELOPE_CERTIFICATES = 5;

/** The detached signature file `bundle.tar.zst.sig` (JSON). */
export interface SignatureEnvelope {
  readonly format: typeof SIGNATURE_FORMAT;
  readonly digest: ContentHash;
  readonly algorithm: SignatureAlgorithm;
  /** Base64 of the raw signature over `signedMessage(digest)`. */
  readonly signature: string;
  /** PEM certificates, the signing (leaf) certificate first, then intermediates. */
  readonly certificates: readonly string[];
  /** ISO 8601; asserted by the signer and not covered by the signature. */
  readonly signedAt: string;
}

const FIELDS = ['format', 'digest', 'algorithm', 'signature', 'certificates', 'signedAt'] as const;
const ISO_8601 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

function malformed(message: string, details?: Record<string, unknown>): SigningError {
  return new SigningError('SIGNATURE_MALFORMED', `signature envelope: ${message}`, details);
}

function isSignatureAlgorithm(value: unknown): value is SignatureAlgorithm {
  return SIGNATURE_ALGORITHMS.some((name) => name === value);
}

/** The DER bytes of one envelope certificate entry: exactly one PEM CERTIFICATE block and nothing else. */
export function envelopeCertificateDer(entry: string): Buffer | null {
  if (!PEM_CERTIFICATE.test(entry)) return null;
  const [block] = scanPem(entry).blocks;
  // 0x30: a DER SEQUENCE; the full X.509 parse happens during verification.
  return block?.der && block.der.length > 0 && block.der[0] === 0x30 ? block.der : null;
}

/** Checks the shape of an already decoded envelope (the same rules as parseSignatureEnvelope). */
export function validateSignatureEnvelope(value: unknown): SignatureEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not a JSON object');
  const record = value as Record<string, unknown>;
  const unexpected = Object.keys(record).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unexpected.length > 0) {
    throw malformed(`unexpected field(s) ${unexpected.join(', ')}`, { fields: unexpected });
  }
  const missing = FIELDS.filter((field) => !Object.hasOwn(record, field));
  if (missing.length > 0) throw malformed(`missing field(s) ${missing.join(', ')}`, { fields: missing });

  const { format, digest, algorithm, signature, certificates, signedAt } = record;
  if (format !== SIGNATURE_FORMAT) throw malformed(`format must be "${SIGNATURE_FORMAT}"`, { field: 'format' });
  if (!isContentHash(digest)) {
    throw malformed('digest must be "sha256:" and 64 lowercase hex digits', { field: 'digest' });
  }
  if (typeof algorithm !== 'string') throw malformed('algorithm must be a string', { field: 'algorithm' });
  if (!isSignatureAlgorithm(algorithm)) {
    throw new SigningError(
      'UNSUPPORTED_ALGORITHM',
      `signature envelope: unknown algorithm "${algorithm.slice(0, 64)}"; only ${VERIFIED_ALGORITHM} is accepted`,
      { field: 'algorithm' },
    );
  }
  if (typeof signature !== 'string' || signature.length === 0 || !decodeBase64(signature)) {
    throw malformed('signature must be non-empty canonical base64', { field: 'signature' });
  }
  if (!Array.isArray(certificates) || certificates.length === 0) {
    throw malformed('certificates must be a non-empty array', { field: 'certificates' });
  }
  if (certificates.length > MAX_ENVELOPE_CERTIFICATES) {
    throw malformed(`at most ${MAX_ENVELOPE_CERTIFICATES} certificates are allowed`, { field: 'certificates' });
  }
  const seen = new Set<string>();
  certificates.forEach((entry: unknown, index) => {
    const der = typeof entry === 'string' ? envelopeCertificateDer(entry) : null;
    if (!der) {
      throw malformed(`certificates[${index}] is not one PEM certificate (BEGIN CERTIFICATE)`, {
        field: 'certificates',
        index,
      });
    }
    const key = der.toString('base64');
    if (seen.has(key)) throw malformed(`certificates[${index}] repeats an earlier certificate`, { index });
    seen.add(key);
  });
  if (typeof signedAt !== 'string' || !ISO_8601.test(signedAt) || Number.isNaN(Date.parse(signedAt))) {
    throw malformed('signedAt must be an ISO 8601 date-time with a time zone', { field: 'signedAt' });
  }
  return { format, digest, algorithm, signature, certificates: certificates as string[], signedAt };
}

/**
 * Parses `bundle.tar.zst.sig` strictly. Certificates are checked as PEM here and parsed as X.509 during
 * verification, so an ECDSA envelope still parses and is then reported as UNSUPPORTED_ALGORITHM.
 * Throws SigningError SIGNATURE_MALFORMED, or UNSUPPORTED_ALGORITHM for an unknown algorithm name.
 */
export function parseSignatureEnvelope(text: string): SignatureEnvelope {
  if (typeof text !== 'string') throw malformed('expected JSON text');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SIGNATURE_ENVELOPE_BYTES) {
    throw malformed(`${bytes} bytes is larger than the limit of ${MAX_SIGNATURE_ENVELOPE_BYTES}`, {
      limit: MAX_SIGNATURE_ENVELOPE_BYTES,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return validateSignatureEnvelope(value);
}
