import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { contentHashFromHex } from '@extplat/contracts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSignatureEnvelope, type SignatureEnvelope } from './envelope.js';
import { SigningError } from './errors.js';
import { createDevCa, issuePublisherCertificate, type KeyAndCertificate } from './keygen.js';
import { signedMessage } from './policy.js';
import { signBundle } from './sign.js';
import { TrustStore } from './trust-store.js';
import { verifyBundleSignature } from './verify.js';

/** Interoperability with the openssl CLI (OpenSSL 3), in both directions, with real files. */

const HASH = contentHashFromHex('3c'.repeat(32));
const PSS = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'];

let dir: string;
let devCa: KeyAndCertificate;
let devLeaf: KeyAndCertificate;

function path(name: string): string {
  return join(dir, name);
}

function write(name: string, content: string | Buffer): string {
  writeFileSync(path(name), content);
  return path(name);
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function envelopeFor(signature: Buffer, certificates: string[], algorithm = 'RSASSA-PSS-SHA256'): SignatureEnvelope {
  return parseSignatureEnvelope(
    JSON.stringify({
      format: 'extplat-signature/v1',
      digest: HASH,
      algorithm,
      signature: signature.toString('base64'),
      certificates,
      signedAt: new Date().toISOString(),
    }),
  );
}

function verify(envelope: SignatureEnvelope, trustPem: string, publisher = 'acme') {
  return verifyBundleSignature({
    contentHash: HASH,
    envelope,
    publisher,
    trust: TrustStore.fromPem(trustPem),
    revokedFingerprints: [],
    policy: 'enforce',
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'extplat-signing-'));
  devCa = createDevCa({ commonName: 'Interop Dev CA', validDays: 7, keyBits: 2048 });
  devLeaf = issuePublisherCertificate({ ca: devCa, publisher: 'acme', validDays: 7, keyBits: 2048 });
  write('dev-ca.pem', devCa.certificatePem);
  write('dev-ca.key', devCa.keyPem);
  write('dev-leaf.pem', devLeaf.certificatePem);
  write('dev-leaf.key', devLeaf.keyPem);
  write('msg.txt', signedMessage(HASH));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openssl interop', () => {
  it('(a) verifies a signature made by openssl dgst with the documented options', () => {
    openssl('dgst', '-sha256', '-sign', 'dev-leaf.key', ...PSS, '-out', 'a.sig', 'msg.txt');
    const verdict = verify(envelopeFor(readFileSync(path('a.sig')), [devLeaf.certificatePem]), devCa.certificatePem);
    expect(verdict.status).toBe('verified');
  });

  it('(a) refuses an openssl PSS signature with another salt length (the salt length is fixed at 32)', () => {
    openssl(
      'dgst',
      '-sha256',
      '-sign',
      'dev-leaf.key',
      '-sigopt',
      'rsa_padding_mode:pss',
      '-out',
      'max.sig',
      'msg.txt',
    );
    const verdict = verify(envelopeFor(readFileSync(path('max.sig')), [devLeaf.certificatePem]), devCa.certificatePem);
    expect(verdict).toMatchObject({ status: 'rejected', code: 'SIGNATURE_INVALID' });
  });

  it('(b) produces signatures that openssl dgst -verify accepts', () => {
    const envelope = signBundle({
      contentHash: HASH,
      privateKeyPem: devLeaf.keyPem,
      certificatesPem: devLeaf.certificatePem,
    });
    write('b.sig', Buffer.from(envelope.signature, 'base64'));
    write('pub.pem', openssl('x509', '-in', 'dev-leaf.pem', '-pubkey', '-noout'));
    expect(openssl('dgst', '-sha256', '-verify', 'pub.pem', ...PSS, '-signature', 'b.sig', 'msg.txt')).toBe(
      'Verified OK\n',
    );
    write('other.txt', signedMessage(contentHashFromHex('3d'.repeat(32))));
    expect(() => openssl('dgst', '-sha256', '-verify', 'pub.pem', ...PSS, '-signature', 'b.sig', 'other.txt')).toThrow(
      /bad signature/,
    );
  });

  it('(c) verifies a root → intermediate → leaf chain made entirely with openssl req / x509', () => {
    write('ca.cnf', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    write(
      'leaf.cnf',
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n',
    );
    openssl(
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '7',
      '-subj', '/O=Example Org/CN=OpenSSL Root CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ); // prettier-ignore
    openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'inter.key', '-out', 'inter.csr', '-subj', '/CN=OpenSSL Intermediate'); // prettier-ignore
    openssl('x509', '-req', '-in', 'inter.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '7', '-extfile', 'ca.cnf', '-out', 'inter.pem'); // prettier-ignore
    openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/O=Acme/CN=acme'); // prettier-ignore
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'inter.pem', '-CAkey', 'inter.key', '-CAcreateserial', '-days', '7', '-extfile', 'leaf.cnf', '-out', 'leaf.pem'); // prettier-ignore
    openssl('rsa', '-in', 'leaf.key', '-traditional', '-out', 'leaf.pkcs1.key');
    const [root, inter, leaf, pkcs8, pkcs1] = ['root.pem', 'inter.pem', 'leaf.pem', 'leaf.key', 'leaf.pkcs1.key'].map(
      (name) => readFileSync(path(name), 'utf8'),
    ) as [string, string, string, string, string];
    expect(pkcs1).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);

    for (const privateKeyPem of [pkcs8, pkcs1]) {
      const envelope = signBundle({ contentHash: HASH, privateKeyPem, certificatesPem: [leaf, inter] });
      const verdict = verify(envelope, root);
      expect(verdict.status).toBe('verified');
      expect(verdict.signer).toMatchObject({
        commonName: 'acme',
        subject: 'O=Acme, CN=acme',
        serialNumber: openssl('x509', '-in', 'leaf.pem', '-noout', '-serial')
          .trim()
          .replace('serial=', '')
          .toLowerCase(),
        fingerprint: openssl('x509', '-in', 'leaf.pem', '-noout', '-fingerprint', '-sha256')
          .trim()
          .replace(/^.*=/, '')
          .replace(/:/g, '')
          .toLowerCase(),
      });
    }
    openssl('dgst', '-sha256', '-sign', 'leaf.key', ...PSS, '-out', 'c.sig', 'msg.txt');
    expect(verify(envelopeFor(readFileSync(path('c.sig')), [leaf, inter]), root).status).toBe('verified');
    expect(TrustStore.fromPem(root).anchors[0]?.subject).toBe('O=Example Org, CN=OpenSSL Root CA');
  });

  it('(d) writes keys openssl reads and certificates openssl verify accepts', () => {
    for (const key of ['dev-ca.key', 'dev-leaf.key']) {
      expect(openssl('pkey', '-in', key, '-check', '-noout')).toMatch(/Key is valid/);
      expect(openssl('pkey', '-in', key, '-text', '-noout')).toMatch(/Private-Key: \(2048 bit/);
    }
    expect(openssl('verify', '-CAfile', 'dev-ca.pem', 'dev-leaf.pem')).toBe('dev-leaf.pem: OK\n');
    const extensions = openssl('x509', '-in', 'dev-leaf.pem', '-noout', '-ext', 'basicConstraints,keyUsage,extendedKeyUsage'); // prettier-ignore
    expect(extensions).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(extensions).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(extensions).toMatch(/Extended Key Usage:\s+Code Signing/);
    expect(openssl('x509', '-in', 'dev-ca.pem', '-noout', '-ext', 'basicConstraints,keyUsage')).toMatch(
      /CA:TRUE[\s\S]*Certificate Sign, CRL Sign/,
    );
  });

  it('recognises ECDSA-P256-SHA256 but reports it as UNSUPPORTED_ALGORITHM (node-forge verifies RSA only)', () => {
    openssl(
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ec.key',
      '-out', 'ec.pem', '-days', '7', '-subj', '/CN=acme',
    ); // prettier-ignore
    openssl('dgst', '-sha256', '-sign', 'ec.key', '-out', 'ec.sig', 'msg.txt');
    const ecPem = readFileSync(path('ec.pem'), 'utf8');
    const ecdsa = verify(envelopeFor(readFileSync(path('ec.sig')), [ecPem], 'ECDSA-P256-SHA256'), devCa.certificatePem);
    expect(ecdsa).toMatchObject({ status: 'rejected', code: 'UNSUPPORTED_ALGORITHM' });
    expect(ecdsa.message).toBe('ECDSA-P256-SHA256 signatures are not supported; only RSASSA-PSS-SHA256 is accepted');

    const mislabelled = verify(envelopeFor(readFileSync(path('ec.sig')), [ecPem]), devCa.certificatePem);
    expect(mislabelled).toMatchObject({ status: 'rejected', code: 'UNSUPPORTED_ALGORITHM' });
    expect(mislabelled.message).toMatch(/the signing certificate has an EC public key/);

    expect(() => TrustStore.fromPem(ecPem)).toThrow(SigningError);
    expect(() => TrustStore.fromPem(ecPem)).toThrow(/EC public key/);
  });
});
