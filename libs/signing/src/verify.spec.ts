import { beforeAll, describe, expect, it } from '@jest/globals';
import { contentHashFromHex } from '@extplat/contracts';
import forge from 'node-forge';
import type { SignatureEnvelope } from './envelope.js';
import { SigningError, type SigningErrorCode } from './errors.js';
import { buildCertificate, certificateToPem } from './keygen.js';
import { generateRsaKey, type GeneratedRsaKey } from './keys.js';
import type { SigningPolicy } from './policy.js';
import { signBundle } from './sign.js';
import { TrustStore } from './trust-store.js';
import { SIGNATURE_CHECKS, verifyBundleSignature, type VerifyBundleSignatureOptions } from './verify.js';
import { certificateFingerprint } from './x509.js';

const HASH = contentHashFromHex('ab'.repeat(32));
const OTHER_HASH = contentHashFromHex('cd'.repeat(32));
const DAY = 24 * 60 * 60 * 1000;

const CA_EXTENSIONS = [
  { name: 'basicConstraints', cA: true, critical: true },
  { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
];
const PUBLISHER_EXTENSIONS = [
  { name: 'basicConstraints', cA: false, critical: true },
  { name: 'keyUsage', digitalSignature: true, critical: true },
  { name: 'extKeyUsage', codeSigning: true },
];

interface Issued {
  key: GeneratedRsaKey;
  certificate: forge.pki.Certificate;
  pem: string;
}

interface IssueOptions {
  /** [notBefore, notAfter] in days from now. */
  days?: [number, number];
  extensions?: object[];
}

function issue(commonName: string, key: GeneratedRsaKey, issuer: Issued | null, options: IssueOptions = {}): Issued {
  const [from, to] = options.days ?? [-1, 365];
  // Whole seconds, as X.509 stores them.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const certificate = buildCertificate({
    commonName,
    publicKey: key.publicKey,
    issuer: { certificate: issuer?.certificate ?? null, privateKey: (issuer?.key ?? key).privateKey },
    notBefore: new Date(now + from * DAY),
    notAfter: new Date(now + to * DAY),
    extensions: options.extensions ?? (issuer ? PUBLISHER_EXTENSIONS : CA_EXTENSIONS),
  });
  return { key, certificate, pem: certificateToPem(certificate) };
}

/** The real RSA keys, made once: every certificate variant below reuses them. */
let rootKey: GeneratedRsaKey;
let intermediateKey: GeneratedRsaKey;
let leafKey: GeneratedRsaKey;
let otherKey: GeneratedRsaKey;
let root: Issued;
let intermediate: Issued;
let leaf: Issued;
let trust: TrustStore;

beforeAll(() => {
  rootKey = generateRsaKey(2048);
  intermediateKey = generateRsaKey(2048);
  leafKey = generateRsaKey(2048);
  otherKey = generateRsaKey(2048);
  root = issue('Test Root CA', rootKey, null);
  intermediate = issue('Test Intermediate CA', intermediateKey, root, {
    extensions: [{ name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true }, CA_EXTENSIONS[1]!],
  });
  leaf = issue('acme', leafKey, intermediate);
  trust = TrustStore.fromPem(root.pem);
});

function sign(signer: Issued, chain: Issued[] = [], contentHash = HASH): SignatureEnvelope {
  return signBundle({
    contentHash,
    privateKeyPem: signer.key.keyPem,
    certificatesPem: [signer, ...chain].map((certificate) => certificate.pem),
  });
}

function verify(envelope: SignatureEnvelope | string | null, overrides: Partial<VerifyBundleSignatureOptions> = {}) {
  return verifyBundleSignature({
    contentHash: HASH,
    envelope,
    publisher: 'acme',
    trust,
    revokedFingerprints: [],
    policy: 'enforce',
    ...overrides,
  });
}

function expectRejected(verdict: ReturnType<typeof verify>, code: SigningErrorCode): void {
  expect({ status: verdict.status, accepted: verdict.accepted, code: verdict.code }).toEqual({
    status: 'rejected',
    accepted: false,
    code,
  });
  const failed = verdict.checks.filter((check) => check.status === 'fail');
  expect(failed).toHaveLength(1);
  expect(failed[0]?.code).toBe(code);
}

describe('verifyBundleSignature', () => {
  it('verifies a signature through an intermediate to the root anchor, with every check passing', () => {
    const envelope = sign(leaf, [intermediate]);
    const verdict = verify(envelope);

    expect(verdict).toMatchObject({ policy: 'enforce', status: 'verified', accepted: true });
    expect(verdict.code).toBeUndefined();
    expect(verdict.checks.map((check) => [check.name, check.status])).toEqual(
      SIGNATURE_CHECKS.map((name) => [name, 'pass']),
    );
    expect(verdict.checks.find((check) => check.name === 'chain')?.message).toBe(
      'CN=acme → CN=Test Intermediate CA → CN=Test Root CA (trust anchor)',
    );
    expect(verdict.signer).toEqual({
      commonName: 'acme',
      subject: 'CN=acme',
      issuer: 'CN=Test Intermediate CA',
      fingerprint: certificateFingerprint(leaf.pem),
      serialNumber: leaf.certificate.serialNumber,
      notBefore: leaf.certificate.validity.notBefore.toISOString(),
      notAfter: leaf.certificate.validity.notAfter.toISOString(),
      algorithm: 'RSASSA-PSS-SHA256',
    });
    expect(verdict.signedAt).toBe(envelope.signedAt);
  });

  it('verifies a leaf issued by the anchor itself, an envelope that also carries the root, and JSON text', () => {
    const direct = issue('acme', leafKey, root);
    expect(verify(sign(direct)).status).toBe('verified');
    expect(verify(sign(leaf, [intermediate, root])).status).toBe('verified');
    expect(verify(JSON.stringify(sign(leaf, [intermediate]))).status).toBe('verified');
  });

  it('rejects a signature made for another bundle (DIGEST_MISMATCH) and skips the checks after it', () => {
    const verdict = verify(sign(leaf, [intermediate], OTHER_HASH));
    expectRejected(verdict, 'DIGEST_MISMATCH');
    expect(verdict.checks.map((check) => check.status)).toEqual(['pass', 'fail', ...Array<string>(6).fill('skipped')]);
    expect(verdict.checks[2]?.message).toBe('not evaluated: the integrity check failed');
    expect(verdict.signer?.commonName).toBe('acme');
  });

  it('rejects corrupted signature bytes (SIGNATURE_INVALID)', () => {
    const envelope = sign(leaf, [intermediate]);
    const bytes = Buffer.from(envelope.signature, 'base64');
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0x01, 100);
    expectRejected(verify({ ...envelope, signature: bytes.toString('base64') }), 'SIGNATURE_INVALID');
    expectRejected(verify({ ...envelope, signature: bytes.subarray(1).toString('base64') }), 'SIGNATURE_INVALID');
  });

  it('rejects a signature made by another key under the unchanged certificate (SIGNATURE_INVALID)', () => {
    const impostor = issue('acme', otherKey, intermediate);
    const forged = { ...sign(leaf, [intermediate]), signature: sign(impostor, [intermediate]).signature };
    expectRejected(verify(forged), 'SIGNATURE_INVALID');
  });

  it('rejects a signer outside the trust bundle, a missing intermediate and a missing trust bundle (SIGNER_UNTRUSTED)', () => {
    const otherRoot = issue('Test Root CA', otherKey, null);
    const outsider = issue('acme', leafKey, otherRoot);
    const untrusted = verify(sign(outsider, [otherRoot]));
    expectRejected(untrusted, 'SIGNER_UNTRUSTED');
    expect(untrusted.message).toMatch(/does not verify with the key of CN=Test Root CA/);

    expectRejected(verify(sign(leaf)), 'SIGNER_UNTRUSTED');
    const stray = verify(sign(issue('acme', leafKey, root), [otherRoot]));
    expectRejected(stray, 'SIGNER_UNTRUSTED');
    expect(stray.message).toBe('CN=Test Root CA in the envelope is not on the chain to a trust anchor');
    const noTrust = verify(sign(leaf, [intermediate]), { trust: null });
    expectRejected(noTrust, 'SIGNER_UNTRUSTED');
    expect(noTrust.message).toMatch(/no trust bundle/);
  });

  it('rejects a chain through a certificate that is not a CA (SIGNER_UNTRUSTED)', () => {
    const notCa = issue('Not A CA', intermediateKey, root);
    const below = issue('acme', leafKey, notCa);
    const verdict = verify(sign(below, [notCa]));
    expectRejected(verdict, 'SIGNER_UNTRUSTED');
    expect(verdict.message).toBe('CN=Not A CA is not a CA certificate (basicConstraints cA), but it issued CN=acme');

    const noKeyCertSign = issue('No keyCertSign', intermediateKey, root, {
      extensions: [CA_EXTENSIONS[0]!, { name: 'keyUsage', digitalSignature: true, critical: true }],
    });
    expectRejected(verify(sign(issue('acme', leafKey, noKeyCertSign), [noKeyCertSign])), 'SIGNER_UNTRUSTED');
  });

  it('honours pathLenConstraint and rejects unknown critical extensions (SIGNER_UNTRUSTED)', () => {
    // The intermediate allows no CA below it.
    const deep = issue('Deep CA', otherKey, intermediate, { extensions: CA_EXTENSIONS });
    const verdict = verify(sign(issue('acme', leafKey, deep), [deep, intermediate]));
    expectRejected(verdict, 'SIGNER_UNTRUSTED');
    expect(verdict.message).toMatch(/pathLenConstraint/);

    const critical = {
      id: '1.3.6.1.4.1.55555.1',
      critical: true,
      value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, ''),
    };
    const strange = issue('acme', leafKey, intermediate, { extensions: [...PUBLISHER_EXTENSIONS, critical] });
    const strangeVerdict = verify(sign(strange, [intermediate]));
    expectRejected(strangeVerdict, 'SIGNER_UNTRUSTED');
    expect(strangeVerdict.message).toMatch(/unsupported critical extension 1\.3\.6\.1\.4\.1\.55555\.1/);
  });

  it('rejects an expired leaf, an expired CA and a leaf not yet valid', () => {
    const expiredLeaf = issue('acme', leafKey, intermediate, { days: [-30, -1] });
    const expired = verify(sign(expiredLeaf, [intermediate]));
    expectRejected(expired, 'CERT_EXPIRED');
    expect(expired.message).toMatch(/^the signing certificate CN=acme expired at /);

    const expiredRoot = issue('Expired Root CA', rootKey, null, { days: [-30, -1] });
    const underExpired = issue('acme', leafKey, expiredRoot);
    const expiredCa = verify(sign(underExpired), { trust: TrustStore.fromPem(expiredRoot.pem) });
    expectRejected(expiredCa, 'CERT_EXPIRED');
    expect(expiredCa.message).toMatch(/^the trust anchor CN=Expired Root CA expired at /);

    const future = issue('acme', leafKey, intermediate, { days: [1, 30] });
    expectRejected(verify(sign(future, [intermediate])), 'CERT_NOT_YET_VALID');
    expectRejected(verify(sign(leaf, [intermediate]), { now: new Date(Date.now() + 400 * DAY) }), 'CERT_EXPIRED');
  });

  it('rejects leaf key usages that do not allow code signing (KEY_USAGE_INVALID)', () => {
    const variants = [
      [{ name: 'keyUsage', keyEncipherment: true, critical: true }],
      [
        { name: 'keyUsage', digitalSignature: true },
        { name: 'extKeyUsage', serverAuth: true },
      ],
      [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true },
      ],
    ];
    for (const extensions of variants) {
      const certificate = issue('acme', leafKey, intermediate, { extensions });
      expectRejected(verify(sign(certificate, [intermediate])), 'KEY_USAGE_INVALID');
    }
    const unrestricted = issue('acme', leafKey, intermediate, { extensions: [] });
    expect(verify(sign(unrestricted, [intermediate])).status).toBe('verified');
  });

  it('rejects a signer whose CN is not the publisher (PUBLISHER_MISMATCH)', () => {
    const verdict = verify(sign(leaf, [intermediate]), { publisher: 'globex' });
    expectRejected(verdict, 'PUBLISHER_MISMATCH');
    expect(verdict.message).toBe('the bundle is signed by "acme", but its manifest publisher is "globex"');
  });

  it('rejects a revoked leaf or intermediate (CERT_REVOKED), in either fingerprint spelling', () => {
    const envelope = sign(leaf, [intermediate]);
    expectRejected(verify(envelope, { revokedFingerprints: [certificateFingerprint(leaf.pem)] }), 'CERT_REVOKED');
    const openSslStyle = certificateFingerprint(intermediate.pem)
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1:');
    const verdict = verify(envelope, { revokedFingerprints: ['00'.repeat(32), openSslStyle] });
    expectRejected(verdict, 'CERT_REVOKED');
    expect(verdict.message).toMatch(/^the intermediate CA CN=Test Intermediate CA \(sha256 [0-9a-f]{64}\) is revoked$/);
  });

  it('reports an ECDSA or unknown algorithm as UNSUPPORTED_ALGORITHM', () => {
    const envelope = sign(leaf, [intermediate]);
    const ecdsa = verify({ ...envelope, algorithm: 'ECDSA-P256-SHA256' });
    expectRejected(ecdsa, 'UNSUPPORTED_ALGORITHM');
    expect(ecdsa.message).toMatch(/only RSASSA-PSS-SHA256 is accepted/);
    const unknown = verify(JSON.stringify({ ...envelope, algorithm: 'RSASSA-PKCS1-v1_5-SHA1' }));
    expectRejected(unknown, 'UNSUPPORTED_ALGORITHM');
  });

  it('throws TypeError for invalid options rather than returning a verdict', () => {
    const envelope = sign(leaf, [intermediate]);
    expect(() => verify(envelope, { revokedFingerprints: ['abc'] })).toThrow(TypeError);
    expect(() => verify(envelope, { contentHash: 'sha256:xyz' })).toThrow(TypeError);
    expect(() => verify(envelope, { policy: 'sometimes' as SigningPolicy })).toThrow(TypeError);
  });

  describe('policies', () => {
    type Case = [SigningPolicy, 'missing' | 'valid' | 'invalid', string, boolean, SigningErrorCode | undefined];
    const cases: Case[] = [
      ['enforce', 'missing', 'rejected', false, 'SIGNATURE_REQUIRED'],
      ['enforce', 'valid', 'verified', true, undefined],
      ['enforce', 'invalid', 'rejected', false, 'SIGNATURE_INVALID'],
      ['warn', 'missing', 'unsigned', true, undefined],
      ['warn', 'valid', 'verified', true, undefined],
      ['warn', 'invalid', 'rejected', false, 'SIGNATURE_INVALID'],
      ['off', 'missing', 'not-checked', true, undefined],
      ['off', 'valid', 'not-checked', true, undefined],
      ['off', 'invalid', 'not-checked', true, undefined],
    ];

    it.each(cases)('%s policy, %s signature → %s (accepted %s, code %s)', (policy, input, status, accepted, code) => {
      const valid = sign(leaf, [intermediate]);
      const envelope = { missing: null, valid, invalid: { ...valid, signature: sign(leaf, [], OTHER_HASH).signature } }[
        input
      ];
      const verdict = verify(envelope, { policy });
      expect({ status: verdict.status, accepted: verdict.accepted, code: verdict.code }).toEqual({
        status,
        accepted,
        code,
      });
      expect(verdict.policy).toBe(policy);
      expect(verdict.checks.map((check) => check.name)).toEqual([...SIGNATURE_CHECKS]);
      if (policy === 'off' || status === 'unsigned') {
        expect(verdict.checks.every((check) => check.status === 'skipped')).toBe(true);
      }
    });
  });
});

describe('TrustStore', () => {
  it('reads several CA certificates between comments, once each', () => {
    const other = issue('Other Root CA', otherKey, null);
    const store = TrustStore.fromPem(`# ours\n${root.pem}\n# theirs\n${other.pem}${root.pem}`);
    expect(store.anchors.map((anchor) => anchor.subject)).toEqual(['CN=Test Root CA', 'CN=Other Root CA']);
    expect(store.anchors[0]?.fingerprint).toBe(certificateFingerprint(root.pem));
  });

  it.each([
    ['empty text', '', /no PEM certificate/],
    ['text without PEM', 'not a certificate', /no PEM certificate/],
    ['a private key', () => rootKey.keyPem, /certificate 1 is a PRIVATE KEY/],
    ['an incomplete block', () => root.pem.slice(0, 200), /no matching END/],
    ['broken base64', '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n', /not valid base64/],
    ['bytes that are not X.509', `-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n`, /not a valid/],
    ['a publisher certificate', () => leaf.pem, /not a CA certificate.*CA certificates only/],
  ])('rejects %s (TRUST_BUNDLE_INVALID)', (_case, text, message) => {
    const pem = typeof text === 'function' ? text() : text;
    expect(() => TrustStore.fromPem(pem)).toThrow(message);
    try {
      TrustStore.fromPem(pem);
    } catch (error) {
      expect(error).toBeInstanceOf(SigningError);
      expect((error as SigningError).code).toBe('TRUST_BUNDLE_INVALID');
    }
  });
});
