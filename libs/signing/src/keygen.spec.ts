import { beforeAll, describe, expect, it } from '@jest/globals';
import { contentHashFromHex } from '@extplat/contracts';
import forge from 'node-forge';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { SigningError } from './errors.js';
import {
  CLOCK_SKEW_MS,
  createDevCa,
  developmentCaName,
  issuePublisherCertificate,
  type KeyAndCertificate,
} from './keygen.js';
import type { RsaKeySize } from './keys.js';
import { signBundle } from './sign.js';
import { TrustStore } from './trust-store.js';
import { verifyBundleSignature } from './verify.js';
import { certificateFingerprint } from './x509.js';

const DAY = 24 * 60 * 60 * 1000;

interface Extension {
  id: string;
  critical: boolean;
  [flag: string]: unknown;
}

function read(pem: string) {
  const certificate = forge.pki.certificateFromPem(pem);
  const extension = (name: string) =>
    (certificate.extensions as Extension[]).find((candidate) => candidate.name === name);
  return { certificate, extension };
}

function bits(keyPem: string): number {
  return forge.pki.privateKeyFromPem(keyPem).n.bitLength();
}

let ca: KeyAndCertificate;
let publisher: KeyAndCertificate;
/** Around createDevCa: key generation takes a variable time, and the validity starts after it. */
let started: number;
let finished: number;

beforeAll(() => {
  started = Date.now();
  // Default key size (3072 bits) for the pair under test; the other tests use 2048 for speed.
  ca = createDevCa({ commonName: 'Extension Platform Dev CA', validDays: 30 });
  finished = Date.now();
  publisher = issuePublisherCertificate({ ca, publisher: 'acme', validDays: 3650 });
});

describe('createDevCa', () => {
  it('makes a self-signed CA: CA:TRUE and keyCertSign + cRLSign, both critical, 3072-bit PKCS#8 key', () => {
    const { certificate, extension } = read(ca.certificatePem);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(bits(ca.keyPem)).toBe(3072);
    expect(certificate.subject.getField('CN')).toMatchObject({ value: 'Extension Platform Dev CA' });
    expect(certificate.verify(certificate)).toBe(true);
    expect(extension('basicConstraints')).toMatchObject({ critical: true, cA: true });
    expect(extension('keyUsage')).toMatchObject({
      critical: true,
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: false,
    });
    expect(extension('subjectKeyIdentifier')).toBeDefined();
  });

  it('backdates notBefore for clock skew and lasts validDays', () => {
    const { notBefore, notAfter } = read(ca.certificatePem).certificate.validity;
    // X.509 keeps whole seconds, hence the 1 s allowance below `started`.
    expect(notBefore.getTime()).toBeGreaterThanOrEqual(started - CLOCK_SKEW_MS - 1000);
    expect(notBefore.getTime()).toBeLessThanOrEqual(finished - CLOCK_SKEW_MS);
    expect(notAfter.getTime() - notBefore.getTime()).toBe(30 * DAY + CLOCK_SKEW_MS);
  });

  it('checks its options', () => {
    expect(() => createDevCa({ commonName: '', validDays: 1 })).toThrow(TypeError);
    expect(() => createDevCa({ commonName: 'x'.repeat(65), validDays: 1 })).toThrow(TypeError);
    expect(() => createDevCa({ commonName: 'CA', validDays: 0 })).toThrow(TypeError);
    expect(() => createDevCa({ commonName: 'CA', validDays: 1.5 })).toThrow(TypeError);
    expect(() => createDevCa({ commonName: 'CA', validDays: 1, keyBits: 1024 as RsaKeySize })).toThrow(TypeError);
  });
});

describe('issuePublisherCertificate', () => {
  it('issues an end-entity code-signing certificate for the publisher under the CA', () => {
    const { certificate, extension } = read(publisher.certificatePem);
    const caCertificate = read(ca.certificatePem);
    expect(publisher.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(bits(publisher.keyPem)).toBe(3072);
    expect(certificate.subject.attributes.map((attribute) => [attribute.shortName, attribute.value])).toEqual([
      ['CN', 'acme'],
    ]);
    expect(caCertificate.certificate.verify(certificate)).toBe(true);
    expect(extension('basicConstraints')).toMatchObject({ critical: true, cA: false });
    expect(extension('keyUsage')).toMatchObject({ critical: true, digitalSignature: true, keyCertSign: false });
    expect(extension('extKeyUsage')).toMatchObject({ codeSigning: true });
    expect(extension('authorityKeyIdentifier')).toBeDefined();
  });

  it('ends no later than the CA', () => {
    const leafEnd = read(publisher.certificatePem).certificate.validity.notAfter;
    expect(leafEnd.getTime()).toBe(read(ca.certificatePem).certificate.validity.notAfter.getTime());
  });

  it('uses random positive 128-bit serial numbers', () => {
    const small = createDevCa({ commonName: 'Serial CA', validDays: 1, keyBits: 2048 });
    const serials = [small, issuePublisherCertificate({ ca: small, publisher: 'p', validDays: 1, keyBits: 2048 })]
      .map((pair) => read(pair.certificatePem).certificate.serialNumber)
      .concat(
        read(ca.certificatePem).certificate.serialNumber,
        read(publisher.certificatePem).certificate.serialNumber,
      );
    expect(new Set(serials).size).toBe(serials.length);
    for (const serial of serials) expect(serial).toMatch(/^[4-7][0-9a-f]{31}$/);
  });

  it('keeps a non-ASCII CA name intact in the issuer, so the chain still verifies', () => {
    const unicodeCa = createDevCa({ commonName: 'Entwicklungs-CA Ünïcode ✓', validDays: 1, keyBits: 2048 });
    const leaf = issuePublisherCertificate({ ca: unicodeCa, publisher: 'müller-gmbh', validDays: 1, keyBits: 2048 });
    const contentHash = contentHashFromHex('77'.repeat(32));
    const verdict = verifyBundleSignature({
      contentHash,
      envelope: signBundle({ contentHash, privateKeyPem: leaf.keyPem, certificatesPem: leaf.certificatePem }),
      publisher: 'müller-gmbh',
      trust: TrustStore.fromPem(unicodeCa.certificatePem),
      revokedFingerprints: [],
      policy: 'enforce',
    });
    expect(verdict.status).toBe('verified');
    expect(verdict.signer).toMatchObject({ commonName: 'müller-gmbh', issuer: 'CN=Entwicklungs-CA Ünïcode ✓' });
  });

  it('refuses a CA key that is not the CA certificate’s, and a CA certificate that is not a CA', () => {
    const attempt = (caPair: KeyAndCertificate) => () =>
      issuePublisherCertificate({ ca: caPair, publisher: 'acme', validDays: 1, keyBits: 2048 });
    expect(attempt({ keyPem: publisher.keyPem, certificatePem: ca.certificatePem })).toThrow(SigningError);
    expect(attempt({ keyPem: publisher.keyPem, certificatePem: ca.certificatePem })).toThrow(/does not belong/);
    expect(attempt(publisher)).toThrow(/not a CA certificate/);
    expect(() => issuePublisherCertificate({ ca, publisher: '', validDays: 1 })).toThrow(TypeError);
  });
});

describe('developmentCaName', () => {
  it('names the folder by its own name and a short hash of its path, never by the path', () => {
    const name = developmentCaName('/home/ada/platform/.data');
    expect(name).toBe(
      `extplat development CA (.data) ${createHash('sha256').update('/home/ada/platform/.data').digest('hex').slice(0, 8)}`,
    );
    expect(name).not.toContain('/');
    expect(name).not.toContain('ada');
  });

  it('tells apart folders of the same name, and gives one folder the same name each time', () => {
    const first = developmentCaName('/home/ada/platform/.data');
    const second = developmentCaName('/home/bob/platform/.data');
    expect(second).not.toBe(first);
    expect(second).toMatch(/^extplat development CA \(\.data\) [0-9a-f]{8}$/);
    expect(developmentCaName('/home/ada/platform/.data/')).toBe(first);
    expect(developmentCaName('/home/ada/platform/../platform/.data')).toBe(first);
  });

  it('is what a trust bundle lists for the CA, next to the fingerprint a rejection shows', () => {
    const commonName = developmentCaName('/home/ada/platform/.data');
    const ca = createDevCa({ commonName, validDays: 1, keyBits: 2048 });
    expect(TrustStore.fromPem(ca.certificatePem).anchors).toEqual([
      expect.objectContaining({ subject: `CN=${commonName}`, fingerprint: certificateFingerprint(ca.certificatePem) }),
    ]);
  });

  it('hashes the absolute path of a relative folder', () => {
    expect(developmentCaName('keys')).toBe(developmentCaName(resolve('keys')));
    expect(developmentCaName('keys')).toMatch(/^extplat development CA \(keys\) [0-9a-f]{8}$/);
  });

  it('keeps a long or non-ASCII folder name within the 64 printable ASCII characters of a common name', () => {
    const long = developmentCaName(`/home/ada/${'a-very-long-folder-name-'.repeat(4)}`);
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^extplat development CA \(a-very-long-folder-name-a-v\.\.\.\) [0-9a-f]{8}$/);
    expect(developmentCaName('/srv/données')).toMatch(/^extplat development CA \(donn_es\) [0-9a-f]{8}$/);
    expect(developmentCaName('/')).toMatch(/^extplat development CA \(\/\) [0-9a-f]{8}$/);
    expect(() => createDevCa({ commonName: long, validDays: 1, keyBits: 2048 })).not.toThrow();
  });
});
