import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { SigningError } from './errors.js';
import { scanPem } from './pem.js';
import { keyAlgorithmName, MIN_RSA_KEY_BITS, OID } from './x509.js';

export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;
export type RsaKeySize = (typeof RSA_KEY_SIZES)[number];

export interface RsaKey {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

export interface GeneratedRsaKey extends RsaKey {
  /** PKCS#8 (`BEGIN PRIVATE KEY`). */
  keyPem: string;
}

function invalid(message: string): SigningError {
  return new SigningError('PRIVATE_KEY_INVALID', `private key: ${message}`);
}

/**
 * Node's native generator: as fast as forge's own delegation to it, and it yields the PKCS#8 PEM
 * directly instead of a forge key to re-encode.
 */
export function generateRsaKey(bits: RsaKeySize): GeneratedRsaKey {
  if (!RSA_KEY_SIZES.includes(bits)) throw new TypeError(`RSA key size must be one of ${RSA_KEY_SIZES.join(', ')}`);
  const { privateKey: keyPem } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyPem, ...readRsaPrivateKey(keyPem) };
}

/** The AlgorithmIdentifier OID of a PKCS#8 PrivateKeyInfo, or null when the structure is not PKCS#8. */
function pkcs8AlgorithmOid(info: forge.asn1.Asn1): string | null {
  const fields = info.value;
  const algorithm = Array.isArray(fields) ? fields[1] : undefined;
  const oid = algorithm && Array.isArray(algorithm.value) ? algorithm.value[0] : undefined;
  return typeof oid?.value === 'string' ? forge.asn1.derToOid(oid.value) : null;
}

/**
 * Reads an unencrypted RSA private key: PKCS#8 (`BEGIN PRIVATE KEY`, what openssl and createDevCa write)
 * or PKCS#1 (`BEGIN RSA PRIVATE KEY`). Other key types throw UNSUPPORTED_ALGORITHM; anything else
 * unreadable throws PRIVATE_KEY_INVALID.
 */
export function readRsaPrivateKey(pem: string): RsaKey {
  const block = scanPem(pem).blocks.find((candidate) => candidate.type.endsWith('PRIVATE KEY'));
  if (!block) throw invalid('no PEM private key found (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)');
  if (block.type === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:/m.test(block.text)) {
    throw invalid('encrypted keys are not supported; decrypt it first (openssl pkey -in key.pem -out plain.pem)');
  }
  if (block.type === 'EC PRIVATE KEY' || block.type === 'DSA PRIVATE KEY') {
    throw new SigningError(
      'UNSUPPORTED_ALGORITHM',
      `private key: ${block.type} is not supported; only RSA keys (RSASSA-PSS-SHA256) are`,
    );
  }
  if (block.type !== 'PRIVATE KEY' && block.type !== 'RSA PRIVATE KEY') {
    throw invalid(`${block.type} is not a supported format; use PKCS#8 (BEGIN PRIVATE KEY) or PKCS#1`);
  }
  if (!block.der) throw invalid('the PEM body is not valid base64');
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(block.der.toString('binary')), true);
  } catch (error) {
    throw invalid(`not DER (${error instanceof Error ? error.message : String(error)})`);
  }
  if (block.type === 'PRIVATE KEY') {
    const oid = pkcs8AlgorithmOid(asn1);
    if (oid !== null && oid !== OID.rsaEncryption) {
      throw new SigningError(
        'UNSUPPORTED_ALGORITHM',
        `private key: ${keyAlgorithmName(oid)} keys are not supported; only RSA keys (RSASSA-PSS-SHA256) are`,
      );
    }
  }
  let privateKey: forge.pki.rsa.PrivateKey;
  try {
    privateKey = forge.pki.privateKeyFromAsn1(asn1);
  } catch (error) {
    throw invalid(`not a readable RSA key (${error instanceof Error ? error.message : String(error)})`);
  }
  const bits = privateKey.n.bitLength();
  if (bits < MIN_RSA_KEY_BITS) throw invalid(`${bits}-bit RSA keys are too short (at least ${MIN_RSA_KEY_BITS})`);
  return { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
}

export function sameRsaKey(a: forge.pki.rsa.PublicKey, b: forge.pki.rsa.PublicKey): boolean {
  return a.n.equals(b.n) && a.e.equals(b.e);
}
