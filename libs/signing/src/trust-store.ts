import { SigningError } from './errors.js';
import { scanPem } from './pem.js';
import { type CertificateSummary, notACaReason, type ParsedCertificate, parseCertificate, summarize } from './x509.js';

function invalid(message: string): SigningError {
  return new SigningError('TRUST_BUNDLE_INVALID', `trust bundle: ${message}`);
}

/**
 * The trusted CA certificates (`SIGNING_TRUST_BUNDLE`). Every entry must be an RSA CA certificate; any
 * of them can anchor a chain, it need not be self-signed. Expired anchors are kept: verification then
 * reports CERT_EXPIRED for each bundle instead of the service refusing to start.
 */
export class TrustStore {
  readonly #anchors: readonly ParsedCertificate[];

  private constructor(anchors: readonly ParsedCertificate[]) {
    this.#anchors = anchors;
  }

  /**
   * One or more PEM CA certificates; text around the blocks (comments) is ignored. Throws SigningError
   * TRUST_BUNDLE_INVALID for text without certificates, an incomplete or non-certificate PEM block, a
   * certificate that does not parse or has no RSA key, or a certificate that is not a CA.
   */
  static fromPem(pemText: string): TrustStore {
    if (typeof pemText !== 'string') throw invalid('expected PEM text');
    const scan = scanPem(pemText);
    if (scan.incomplete) throw invalid('a PEM block has no matching END line');
    if (scan.blocks.length === 0) throw invalid('no PEM certificate (BEGIN CERTIFICATE) found');
    const anchors = new Map<string, ParsedCertificate>();
    scan.blocks.forEach((block, index) => {
      const label = `certificate ${index + 1}`;
      if (block.type !== 'CERTIFICATE') throw invalid(`${label} is a ${block.type}, expected a CERTIFICATE`);
      if (!block.der) throw invalid(`${label} is not valid base64`);
      let parsed: ParsedCertificate;
      try {
        parsed = parseCertificate(block.der, label);
      } catch (error) {
        throw error instanceof SigningError ? invalid(error.message) : error;
      }
      const notCa = notACaReason(parsed);
      if (notCa) throw invalid(`${label}: ${notCa}; a trust bundle holds CA certificates only`);
      anchors.set(parsed.fingerprint, parsed);
    });
    return new TrustStore([...anchors.values()]);
  }

  /** The distinct anchors, in bundle order. */
  get anchors(): CertificateSummary[] {
    return this.#anchors.map(summarize);
  }

  /** Whether this exact certificate (by fingerprint) is an anchor. */
  contains(certificate: ParsedCertificate): boolean {
    return this.#anchors.some((anchor) => anchor.fingerprint === certificate.fingerprint);
  }

  /** Anchors whose subject is `child`'s issuer name (the signature is checked by the caller). */
  candidateIssuers(child: ParsedCertificate): ParsedCertificate[] {
    return this.#anchors.filter((anchor) => anchor.certificate.issued(child.certificate));
  }
}
