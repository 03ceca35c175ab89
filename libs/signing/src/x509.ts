import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { SigningError } from './errors.js';
import { scanPem } from './pem.js';

/** Shorter RSA keys are refused everywhere: in envelopes, trust bundles and when signing. */
export const MIN_RSA_KEY_BITS = 2048;

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  codeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

const KEY_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  [OID.rsassaPss]: 'RSASSA-PSS-restricted',
  [OID.ecPublicKey]: 'EC',
  [OID.ed25519]: 'Ed25519',
};

/** A name for error messages, e.g. "EC" for id-ecPublicKey. */
export function keyAlgorithmName(oid: string): string {
  return KEY_ALGORITHM_NAMES[oid] ?? `OID ${oid}`;
}

/** Certificate signatures accepted in a chain: RSA with SHA-2. MD5 and SHA-1, which forge would accept, are not. */
const CERTIFICATE_SIGNATURE_OIDS = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  OID.rsassaPss,
]);

/** Extensions this verifier understands; any other extension marked critical makes a certificate unusable. */
const UNDERSTOOD_EXTENSIONS = new Set<string>([
  OID.subjectKeyIdentifier,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  OID.authorityKeyIdentifier,
  OID.extKeyUsage,
]);

/** ASN.1 string tags (numbers: forge's typings declare the tag as the wrong enum). */
export const UTF8_STRING = 12;
const BMP_STRING = 30;

export interface ParsedCertificate {
  der: Buffer;
  /** Lowercase SHA-256 hex of the DER bytes. */
  fingerprint: string;
  certificate: forge.pki.Certificate;
  publicKey: forge.pki.rsa.PublicKey;
  subject: string;
  issuer: string;
}

export interface CertificateSummary {
  /** The Subject CN, or null when there is none. */
  commonName: string | null;
  subject: string;
  issuer: string;
  fingerprint: string;
  /** Lowercase hex, as `openssl x509 -serial` prints it. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
}

/** The shape of forge's parsed extensions (its typings say `any`); named flags depend on the extension. */
interface ForgeExtension {
  id: string;
  critical: boolean;
  [flag: string]: unknown;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The SHA-256 fingerprint (lowercase hex of the DER) of the one certificate in `pem`. */
export function certificateFingerprint(pem: string): string {
  const certificates = scanPem(pem).blocks.filter((block) => block.type === 'CERTIFICATE');
  const [only] = certificates;
  if (certificates.length !== 1 || !only?.der) {
    throw new SigningError('CERTIFICATE_INVALID', 'expected exactly one PEM certificate (BEGIN CERTIFICATE)');
  }
  return sha256Hex(only.der);
}

/**
 * Normalises a SHA-256 fingerprint to 64 lowercase hex digits; accepts openssl's `AB:CD:...` form too.
 * Throws a TypeError otherwise: a typo in a revocation list must not silently revoke nothing.
 */
export function normalizeFingerprint(text: string): string {
  const hex = text.trim().toLowerCase().replace(/:/g, '');
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new TypeError(`"${text}" is not a SHA-256 certificate fingerprint (64 hex digits)`);
  }
  return hex;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error('unexpected ASN.1 structure');
  return node.value;
}

interface Layout {
  keyAlgorithm: string;
  /** RFC 5280 §4.1.1.2: the unsigned outer signatureAlgorithm must repeat the signed one exactly. */
  signatureAlgorithmsMatch: boolean;
}

/** What forge does not check or cannot read (it reads RSA keys only); null when the structure is wrong. */
function certificateLayout(certificate: forge.asn1.Asn1): Layout | null {
  try {
    const [tbsNode, outerAlgorithm] = children(certificate);
    const tbs = children(tbsNode);
    const offset = tbs[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
    const innerAlgorithm = tbs[offset + 1];
    const keyOid = children(children(tbs[offset + 5])[0])[0];
    if (!outerAlgorithm || !innerAlgorithm || typeof keyOid?.value !== 'string') return null;
    return {
      keyAlgorithm: forge.asn1.derToOid(keyOid.value),
      signatureAlgorithmsMatch:
        forge.asn1.toDer(outerAlgorithm).getBytes() === forge.asn1.toDer(innerAlgorithm).getBytes(),
    };
  } catch {
    return null;
  }
}

/**
 * Parses one DER certificate with an RSA key of at least MIN_RSA_KEY_BITS. Throws UNSUPPORTED_ALGORITHM
 * for another key type or a short key, CERTIFICATE_INVALID for anything unreadable.
 */
export function parseCertificate(der: Buffer, label: string): ParsedCertificate {
  let asn1: forge.asn1.Asn1;
  let certificate: forge.pki.Certificate;
  let canonical: boolean;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), true);
    canonical = forge.asn1.toDer(asn1).getBytes() === der.toString('binary');
  } catch (error) {
    throw new SigningError('CERTIFICATE_INVALID', `${label} is not DER: ${errorText(error)}`);
  }
  // forge checks signatures over its own re-encoding of the parsed TBSCertificate: bytes that re-encode
  // differently would verify and yet have another fingerprint, slipping past the revocation list.
  if (!canonical) throw new SigningError('CERTIFICATE_INVALID', `${label} is not in canonical DER`);
  const layout = certificateLayout(asn1);
  if (layout && layout.keyAlgorithm !== OID.rsaEncryption) {
    throw new SigningError(
      'UNSUPPORTED_ALGORITHM',
      `${label} has an ${keyAlgorithmName(layout.keyAlgorithm)} public key; only RSA keys (RSASSA-PSS-SHA256) are supported`,
    );
  }
  try {
    certificate = forge.pki.certificateFromAsn1(asn1);
  } catch (error) {
    throw new SigningError('CERTIFICATE_INVALID', `${label} is not a valid X.509 certificate: ${errorText(error)}`);
  }
  if (!layout?.signatureAlgorithmsMatch) {
    throw new SigningError('CERTIFICATE_INVALID', `${label} has different outer and signed signature algorithms`);
  }
  const { notBefore, notAfter } = certificate.validity;
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new SigningError('CERTIFICATE_INVALID', `${label} has an unreadable validity period`);
  }
  const publicKey = certificate.publicKey as forge.pki.rsa.PublicKey;
  const bits = publicKey.n.bitLength();
  if (bits < MIN_RSA_KEY_BITS) {
    throw new SigningError(
      'UNSUPPORTED_ALGORITHM',
      `${label} has a ${bits}-bit RSA key; at least ${MIN_RSA_KEY_BITS} bits are required`,
    );
  }
  try {
    return {
      der,
      fingerprint: sha256Hex(der),
      certificate,
      publicKey,
      subject: formatName(certificate.subject.attributes),
      issuer: formatName(certificate.issuer.attributes),
    };
  } catch (error) {
    throw new SigningError('CERTIFICATE_INVALID', `${label} has an unreadable name: ${errorText(error)}`);
  }
}

/** forge keeps string values as raw bytes; decode them by their ASN.1 string type. */
function attributeText(attribute: forge.pki.CertificateField): string {
  const raw = typeof attribute.value === 'string' ? attribute.value : '';
  switch (attribute.valueTagClass as number) {
    case UTF8_STRING:
      return forge.util.decodeUtf8(raw);
    case BMP_STRING: {
      if (raw.length % 2 !== 0) throw new Error('odd-length BMPString');
      return Buffer.from(raw, 'binary').swap16().toString('utf16le');
    }
    default:
      return raw;
  }
}

/** `CN=acme, O=Acme\, Inc.` in certificate order, with RFC 4514 special characters escaped. */
function formatName(attributes: forge.pki.CertificateField[]): string {
  return attributes
    .map((attribute) => {
      const key = attribute.shortName ?? attribute.name ?? attribute.type ?? '?';
      return `${key}=${attributeText(attribute).replace(/[,+"\\<>;=]/g, '\\$&')}`;
    })
    .join(', ');
}

/** Every Subject CN of a certificate (more than one makes the publisher binding ambiguous). */
export function commonNames(parsed: ParsedCertificate): string[] {
  return parsed.certificate.subject.attributes
    .filter((attribute) => attribute.type === '2.5.4.3')
    .map((attribute) => attributeText(attribute));
}

export function summarize(parsed: ParsedCertificate): CertificateSummary {
  const { certificate } = parsed;
  return {
    commonName: commonNames(parsed)[0] ?? null,
    subject: parsed.subject,
    issuer: parsed.issuer,
    fingerprint: parsed.fingerprint,
    // The INTEGER content may start with a 00 sign byte; openssl prints the serial without it.
    serialNumber: certificate.serialNumber.toLowerCase().replace(/^(?:00)+(?=[0-9a-f]{2})/, ''),
    notBefore: certificate.validity.notBefore.toISOString(),
    notAfter: certificate.validity.notAfter.toISOString(),
  };
}

/** Looked up by OID: forge also gives deprecated OIDs the names `basicConstraints` and `keyUsage`. */
function extension(parsed: ParsedCertificate, oid: string): ForgeExtension | undefined {
  return (parsed.certificate.extensions as ForgeExtension[]).find((candidate) => candidate.id === oid);
}

export function basicConstraints(parsed: ParsedCertificate): { cA: boolean; pathLen?: number } | undefined {
  const found = extension(parsed, OID.basicConstraints);
  if (!found) return undefined;
  const pathLen = found['pathLenConstraint'];
  return { cA: found['cA'] === true, ...(typeof pathLen === 'number' ? { pathLen } : {}) };
}

export function keyUsage(parsed: ParsedCertificate): { digitalSignature: boolean; keyCertSign: boolean } | undefined {
  const found = extension(parsed, OID.keyUsage);
  if (!found) return undefined;
  return { digitalSignature: found['digitalSignature'] === true, keyCertSign: found['keyCertSign'] === true };
}

/** Whether extKeyUsage allows code signing; undefined when the certificate has no extKeyUsage. */
export function allowsCodeSigning(parsed: ParsedCertificate): boolean | undefined {
  const found = extension(parsed, OID.extKeyUsage);
  if (!found) return undefined;
  return found['codeSigning'] === true || found[OID.codeSigning] === true;
}

/** Why this certificate may not issue certificates, or null when it may. */
export function notACaReason(parsed: ParsedCertificate): string | null {
  if (basicConstraints(parsed)?.cA !== true) return `${parsed.subject} is not a CA certificate (basicConstraints cA)`;
  if (keyUsage(parsed)?.keyCertSign === false) return `${parsed.subject} is a CA without keyCertSign in keyUsage`;
  return null;
}

/** RFC 5280 §4.2: a repeated extension, or a critical one this verifier does not process, is a failure. */
export function extensionProblem(parsed: ParsedCertificate): string | null {
  const seen = new Set<string>();
  for (const { id, critical } of parsed.certificate.extensions as ForgeExtension[]) {
    if (seen.has(id)) return `${parsed.subject} repeats extension ${id}`;
    seen.add(id);
    if (critical && !UNDERSTOOD_EXTENSIONS.has(id))
      return `${parsed.subject} has an unsupported critical extension ${id}`;
  }
  return null;
}

/**
 * Whether `issuer` signed `child`: names match and the signature verifies with an accepted algorithm.
 * Returns the reason when not.
 */
export function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate): string | null {
  const { certificate } = child;
  if (!CERTIFICATE_SIGNATURE_OIDS.has(certificate.signatureOid)) {
    return `${child.subject} is signed with an unsupported algorithm (OID ${certificate.signatureOid})`;
  }
  try {
    if (issuer.certificate.verify(certificate)) return null;
  } catch {
    // forge throws for a signature block that does not decode under the key: a plain mismatch.
  }
  return `the signature of ${child.subject} does not verify with the key of ${issuer.subject}`;
}
