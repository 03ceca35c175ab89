import { type ContentHash, isContentHash } from '@extplat/contracts';
import { MAX_ENVELOPE_CERTIFICATES, type SignatureEnvelope, VERIFIED_ALGORITHM } from './envelope.js';
import { SigningError } from './errors.js';
import { sameRsaKey, readRsaPrivateKey } from './keys.js';
import { scanPem, toPem } from './pem.js';
import { SIGNATURE_FORMAT } from './policy.js';
import { pssSign } from './rsa-pss.js';
import { parseCertificate } from './x509.js';

export interface SignBundleOptions {
  contentHash: ContentHash;
  /** PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`), unencrypted. */
  privateKeyPem: string;
  /** The leaf (signing) certificate first, then intermediates: one PEM text or several. */
  certificatesPem: string | readonly string[];
  /** Defaults to now. */
  signedAt?: Date;
}

/** Every PEM certificate of the input, in order; other blocks (a key in the same file) are ignored. */
function certificateList(certificatesPem: string | readonly string[]): [Buffer, ...Buffer[]] {
  const texts = typeof certificatesPem === 'string' ? [certificatesPem] : certificatesPem;
  const ders: Buffer[] = [];
  for (const text of texts) {
    const scan = scanPem(text);
    if (scan.incomplete) throw new SigningError('CERTIFICATE_INVALID', 'certificates: a PEM block is incomplete');
    for (const block of scan.blocks) {
      if (block.type !== 'CERTIFICATE') continue;
      if (!block.der) throw new SigningError('CERTIFICATE_INVALID', 'certificates: a PEM body is not valid base64');
      ders.push(block.der);
    }
  }
  const [leaf, ...intermediates] = ders;
  if (!leaf)
    throw new SigningError('CERTIFICATE_INVALID', 'certificates: no PEM certificate (BEGIN CERTIFICATE) found');
  if (ders.length > MAX_ENVELOPE_CERTIFICATES) {
    throw new SigningError(
      'CERTIFICATE_INVALID',
      `certificates: ${ders.length} given; an envelope holds the leaf and at most ${MAX_ENVELOPE_CERTIFICATES - 1} intermediates`,
    );
  }
  return [leaf, ...intermediates];
}

/**
 * Signs a bundle's content hash with RSASSA-PSS-SHA256 (MGF1-SHA-256, salt 32) over the ASCII of
 * `signedMessage(contentHash)`, byte-compatible with
 * `openssl dgst -sha256 -sign key.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32`.
 * Throws SigningError: PRIVATE_KEY_INVALID, CERTIFICATE_INVALID, UNSUPPORTED_ALGORITHM (not RSA),
 * KEY_CERT_MISMATCH (the key is not the leaf certificate's).
 */
export function signBundle(options: SignBundleOptions): SignatureEnvelope {
  const { contentHash, privateKeyPem, certificatesPem, signedAt = new Date() } = options;
  if (!isContentHash(contentHash)) throw new TypeError('contentHash must be "sha256:" and 64 lowercase hex digits');
  if (Number.isNaN(signedAt.getTime())) throw new TypeError('signedAt is not a valid date');

  const key = readRsaPrivateKey(privateKeyPem);
  const ders = certificateList(certificatesPem);
  const [leafDer, ...intermediateDers] = ders;
  intermediateDers.forEach((der, index) => parseCertificate(der, `intermediate certificate ${index + 1}`));
  const leaf = parseCertificate(leafDer, 'the leaf certificate');
  if (!sameRsaKey(key.publicKey, leaf.publicKey)) {
    throw new SigningError(
      'KEY_CERT_MISMATCH',
      `the private key does not belong to the leaf certificate (${leaf.subject}); list the signing certificate first`,
    );
  }
  return {
    format: SIGNATURE_FORMAT,
    digest: contentHash,
    algorithm: VERIFIED_ALGORITHM,
    signature: pssSign(contentHash, key.privateKey).toString('base64'),
    certificates: ders.map((der) => toPem('CERTIFICATE', der)),
    signedAt: signedAt.toISOString(),
  };
}
