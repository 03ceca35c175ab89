import { createHash, randomBytes } from 'node:crypto';
import { basename, resolve } from 'node:path';
import forge from 'node-forge';
import { SigningError } from './errors.js';
import { generateRsaKey, readRsaPrivateKey, type RsaKeySize, sameRsaKey } from './keys.js';
import { scanPem, toPem } from './pem.js';
import { notACaReason, OID, parseCertificate, UTF8_STRING } from './x509.js';

/** notBefore is backdated by this much, so a verifier whose clock is a little behind accepts a fresh certificate. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
export const DEFAULT_RSA_KEY_BITS: RsaKeySize = 3072;
const DAY_MS = 24 * 60 * 60 * 1000;
/** X.520 upper bound for a common name. */
const MAX_COMMON_NAME_LENGTH = 64;

export interface KeyAndCertificate {
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`), unencrypted. */
  keyPem: string;
  certificatePem: string;
}

export interface CreateDevCaOptions {
  commonName: string;
  validDays: number;
  /** Default 3072. */
  keyBits?: RsaKeySize;
}

export interface IssuePublisherCertificateOptions {
  ca: KeyAndCertificate;
  /** Becomes the Subject CN, which verification compares with `manifest.publisher`. */
  publisher: string;
  /** Capped at the CA's own expiry. */
  validDays: number;
  /** Default 3072. */
  keyBits?: RsaKeySize;
}

export interface CertificateSpec {
  commonName: string;
  publicKey: forge.pki.rsa.PublicKey;
  /** Who signs; `certificate: null` makes a self-signed certificate. */
  issuer: { certificate: forge.pki.Certificate | null; privateKey: forge.pki.rsa.PrivateKey };
  notBefore: Date;
  notAfter: Date;
  /** forge extension descriptors (basicConstraints, keyUsage, ...); key identifiers are added here. */
  extensions: object[];
}

/** 128 bits, the top bit clear so the INTEGER is positive and the next one set so it has no leading zero byte. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes.writeUInt8((bytes.readUInt8(0) & 0x7f) | 0x40, 0);
  return bytes.toString('hex');
}

/**
 * forge keeps parsed UTF8String values as raw bytes but encodes UTF-8 again when writing, so a parsed
 * name is decoded before it becomes an issuer name; otherwise non-ASCII names would no longer match.
 */
function writableName(attributes: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attributes.map((attribute) =>
    (attribute.valueTagClass as number) === UTF8_STRING && typeof attribute.value === 'string'
      ? { ...attribute, value: forge.util.decodeUtf8(attribute.value) }
      : attribute,
  );
}

function keyIdentifier(certificate: forge.pki.Certificate): string {
  const existing = (certificate.extensions as { id: string; subjectKeyIdentifier?: unknown }[]).find(
    (extension) => extension.id === OID.subjectKeyIdentifier,
  )?.subjectKeyIdentifier;
  return typeof existing === 'string'
    ? forge.util.hexToBytes(existing)
    : certificate.generateSubjectKeyIdentifier().getBytes();
}

/** An X.509 v3 certificate signed with sha256WithRSAEncryption. */
export function buildCertificate(spec: CertificateSpec): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = spec.publicKey;
  certificate.serialNumber = randomSerialNumber();
  certificate.validity.notBefore = spec.notBefore;
  certificate.validity.notAfter = spec.notAfter;
  const subject = [{ shortName: 'CN', value: spec.commonName, valueTagClass: UTF8_STRING }];
  certificate.setSubject(subject);
  const issuer = spec.issuer.certificate;
  certificate.setIssuer(issuer ? writableName(issuer.subject.attributes) : subject);
  certificate.setExtensions([
    ...spec.extensions,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: keyIdentifier(issuer ?? certificate) },
  ]);
  certificate.sign(spec.issuer.privateKey, forge.md.sha256.create());
  return certificate;
}

export function certificateToPem(certificate: forge.pki.Certificate): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes();
  return toPem('CERTIFICATE', Buffer.from(der, 'binary'));
}

function checkOptions(commonName: unknown, validDays: unknown): void {
  if (typeof commonName !== 'string' || commonName.length === 0 || commonName.length > MAX_COMMON_NAME_LENGTH) {
    throw new TypeError(`the common name must be 1 to ${MAX_COMMON_NAME_LENGTH} characters`);
  }
  if (typeof validDays !== 'number' || !Number.isInteger(validDays) || validDays < 1) {
    throw new TypeError('validDays must be a positive whole number');
  }
}

/**
 * The name of a development CA made for `folder` (a data folder, a keys folder): every such CA gets its own
 * name, so a rejection that names the trusted CA tells which folder's CA the platform expects. The name
 * holds the folder's own name and the first 8 hex digits of the SHA-256 of its absolute path, never the
 * path itself: the subject is public (rejections, GET /api/console-config) and a path gives away user
 * names and the layout of a machine. Two `.data` folders still get different names, and whoever has the
 * folder can check it: `developmentCaName(folder)` gives the same name again.
 */
export function developmentCaName(folder: string): string {
  const absolute = resolve(folder);
  const digest = createHash('sha256').update(absolute).digest('hex').slice(0, 8);
  // Plain printable ASCII, so that every tool (openssl, browsers, logs) shows the name alike.
  const own = (basename(absolute) || '/').replace(/[^\x20-\x7e]/g, '_');
  const prefix = 'extplat development CA (';
  const suffix = `) ${digest}`;
  const room = MAX_COMMON_NAME_LENGTH - prefix.length - suffix.length;
  const shown = own.length <= room ? own : `${own.slice(0, room - 3)}...`;
  return `${prefix}${shown}${suffix}`;
}

/**
 * A self-signed development CA: CA:TRUE (critical), keyUsage keyCertSign + cRLSign (critical). Its
 * certificate is what goes into SIGNING_TRUST_BUNDLE. Generation is synchronous (about half a second
 * for 3072 bits).
 */
export function createDevCa(options: CreateDevCaOptions): KeyAndCertificate {
  const { commonName, validDays, keyBits = DEFAULT_RSA_KEY_BITS } = options;
  checkOptions(commonName, validDays);
  const key = generateRsaKey(keyBits);
  const now = Date.now();
  const certificate = buildCertificate({
    commonName,
    publicKey: key.publicKey,
    issuer: { certificate: null, privateKey: key.privateKey },
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + validDays * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { keyPem: key.keyPem, certificatePem: certificateToPem(certificate) };
}

/**
 * A publisher (signing) certificate issued by `ca`: Subject CN = publisher, CA:FALSE (critical),
 * keyUsage digitalSignature (critical), extKeyUsage codeSigning, a fresh key. Throws SigningError
 * KEY_CERT_MISMATCH when the CA key is not the CA certificate's, CERTIFICATE_INVALID when the CA
 * certificate is not a CA or has expired.
 */
export function issuePublisherCertificate(options: IssuePublisherCertificateOptions): KeyAndCertificate {
  const { ca, publisher, validDays, keyBits = DEFAULT_RSA_KEY_BITS } = options;
  checkOptions(publisher, validDays);
  const caKey = readRsaPrivateKey(ca.keyPem);
  const [caBlock] = scanPem(ca.certificatePem).blocks.filter((block) => block.type === 'CERTIFICATE');
  if (!caBlock?.der) throw new SigningError('CERTIFICATE_INVALID', 'the CA certificate is not a PEM certificate');
  const caCertificate = parseCertificate(caBlock.der, 'the CA certificate');
  if (!sameRsaKey(caKey.publicKey, caCertificate.publicKey)) {
    throw new SigningError('KEY_CERT_MISMATCH', `the CA key does not belong to ${caCertificate.subject}`);
  }
  const notCa = notACaReason(caCertificate);
  if (notCa) throw new SigningError('CERTIFICATE_INVALID', notCa);
  const now = Date.now();
  const caNotAfter = caCertificate.certificate.validity.notAfter;
  if (caNotAfter.getTime() <= now) {
    throw new SigningError('CERTIFICATE_INVALID', `the CA certificate expired at ${caNotAfter.toISOString()}`);
  }

  const key = generateRsaKey(keyBits);
  const certificate = buildCertificate({
    commonName: publisher,
    publicKey: key.publicKey,
    issuer: { certificate: caCertificate.certificate, privateKey: caKey.privateKey },
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(Math.min(now + validDays * DAY_MS, caNotAfter.getTime())),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', codeSigning: true },
    ],
  });
  return { keyPem: key.keyPem, certificatePem: certificateToPem(certificate) };
}
