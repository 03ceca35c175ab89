import { beforeAll, describe, expect, it } from '@jest/globals';
import { contentHashFromHex } from '@extplat/contracts';
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { parseSignatureEnvelope } from './envelope.js';
import { SigningError, type SigningErrorCode } from './errors.js';
import { createDevCa, issuePublisherCertificate, type KeyAndCertificate } from './keygen.js';
import { signBundle, type SignBundleOptions } from './sign.js';
import { TrustStore } from './trust-store.js';
import { verifyBundleSignature } from './verify.js';
import { certificateFingerprint } from './x509.js';

const HASH = contentHashFromHex('01'.repeat(32));

let ca: KeyAndCertificate;
let publisher: KeyAndCertificate;
let other: KeyAndCertificate;

beforeAll(() => {
  ca = createDevCa({ commonName: 'Sign Test CA', validDays: 30, keyBits: 2048 });
  publisher = issuePublisherCertificate({ ca, publisher: 'acme', validDays: 30, keyBits: 2048 });
  other = issuePublisherCertificate({ ca, publisher: 'globex', validDays: 30, keyBits: 2048 });
});

function sign(overrides: Partial<SignBundleOptions> = {}) {
  return signBundle({
    contentHash: HASH,
    privateKeyPem: publisher.keyPem,
    certificatesPem: publisher.certificatePem,
    ...overrides,
  });
}

function verified(envelope: ReturnType<typeof sign>): boolean {
  return verifyBundleSignature({
    contentHash: HASH,
    envelope,
    publisher: 'acme',
    trust: TrustStore.fromPem(ca.certificatePem),
    revokedFingerprints: [],
    policy: 'enforce',
  }).accepted;
}

function codeOf(action: () => unknown): SigningErrorCode | 'no error' {
  try {
    action();
  } catch (error) {
    if (error instanceof SigningError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('signBundle', () => {
  it('writes a complete envelope that parses back unchanged', () => {
    const signedAt = new Date('2026-03-04T05:06:07.089Z');
    const envelope = sign({ signedAt });
    expect(envelope).toMatchObject({
      format: 'extplat-signature/v1',
      digest: HASH,
      algorithm: 'RSASSA-PSS-SHA256',
      signedAt: '2026-03-04T05:06:07.089Z',
    });
    expect(Buffer.from(envelope.signature, 'base64')).toHaveLength(256);
    expect(envelope.certificates).toHaveLength(1);
    expect(certificateFingerprint(envelope.certificates[0] ?? '')).toBe(
      certificateFingerprint(publisher.certificatePem),
    );
    expect(parseSignatureEnvelope(JSON.stringify(envelope))).toEqual(envelope);
    expect(verified(envelope)).toBe(true);
  });

  it('uses a fresh salt for each signature; both verify', () => {
    const [first, second] = [sign(), sign()];
    expect(first.signature).not.toBe(second.signature);
    expect(verified(first) && verified(second)).toBe(true);
  });

  it('keeps the certificate order of one PEM text or of a list, leaf first', () => {
    const fromText = sign({ certificatesPem: `${publisher.certificatePem}\n${ca.certificatePem}` });
    const fromList = sign({ certificatesPem: [publisher.certificatePem, ca.certificatePem] });
    for (const envelope of [fromText, fromList]) {
      expect(envelope.certificates.map((pem) => certificateFingerprint(pem))).toEqual([
        certificateFingerprint(publisher.certificatePem),
        certificateFingerprint(ca.certificatePem),
      ]);
      expect(verified(envelope)).toBe(true);
    }
  });

  it('accepts a PKCS#1 (BEGIN RSA PRIVATE KEY) key', () => {
    const pkcs1 = forge.pki.privateKeyToPem(forge.pki.privateKeyFromPem(publisher.keyPem));
    expect(pkcs1).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(verified(sign({ privateKeyPem: pkcs1 }))).toBe(true);
  });

  it('refuses a key that is not the leaf certificate’s (KEY_CERT_MISMATCH)', () => {
    expect(codeOf(() => sign({ privateKeyPem: other.keyPem }))).toBe('KEY_CERT_MISMATCH');
    expect(codeOf(() => sign({ certificatesPem: [ca.certificatePem, publisher.certificatePem] }))).toBe(
      'KEY_CERT_MISMATCH',
    );
  });

  it('refuses keys it cannot use', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecPkcs8 = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ecSec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const ed25519 = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const encrypted = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
    }).privateKey;
    const short = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }).privateKey;

    expect(codeOf(() => sign({ privateKeyPem: ecPkcs8 }))).toBe('UNSUPPORTED_ALGORITHM');
    expect(codeOf(() => sign({ privateKeyPem: ecSec1 }))).toBe('UNSUPPORTED_ALGORITHM');
    expect(codeOf(() => sign({ privateKeyPem: ed25519 }))).toBe('UNSUPPORTED_ALGORITHM');
    expect(codeOf(() => sign({ privateKeyPem: encrypted }))).toBe('PRIVATE_KEY_INVALID');
    expect(() => sign({ privateKeyPem: encrypted })).toThrow(/encrypted keys are not supported/);
    expect(codeOf(() => sign({ privateKeyPem: short }))).toBe('PRIVATE_KEY_INVALID');
    expect(codeOf(() => sign({ privateKeyPem: publisher.certificatePem }))).toBe('PRIVATE_KEY_INVALID');
  });

  it('refuses missing, too many or unreadable certificates (CERTIFICATE_INVALID)', () => {
    expect(codeOf(() => sign({ certificatesPem: [] }))).toBe('CERTIFICATE_INVALID');
    expect(codeOf(() => sign({ certificatesPem: publisher.keyPem }))).toBe('CERTIFICATE_INVALID');
    expect(codeOf(() => sign({ certificatesPem: Array<string>(6).fill(publisher.certificatePem) }))).toBe(
      'CERTIFICATE_INVALID',
    );
    const garbage = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n';
    expect(codeOf(() => sign({ certificatesPem: [publisher.certificatePem, garbage] }))).toBe('CERTIFICATE_INVALID');
  });

  it('throws TypeError for a content hash that is not one', () => {
    expect(() => sign({ contentHash: 'sha256:ABC' })).toThrow(TypeError);
  });
});
