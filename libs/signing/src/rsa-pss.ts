import type { ContentHash } from '@extplat/contracts';
import forge from 'node-forge';
import { signedMessage } from './policy.js';

/** Fixed, like `openssl dgst -sigopt rsa_pss_saltlen:32`; a signature with another salt length does not verify. */
export const PSS_SALT_LENGTH = 32;

/** RSASSA-PSS with SHA-256 and MGF1-SHA-256. A scheme object keeps state, so each use gets a fresh one. */
function pssScheme(): forge.pss.PSS {
  const mgf: unknown = forge.mgf.mgf1.create(forge.md.sha256.create());
  return forge.pss.create({ md: forge.md.sha256.create(), mgf, saltLength: PSS_SALT_LENGTH });
}

function messageDigest(contentHash: ContentHash): forge.md.MessageDigest {
  return forge.md.sha256.create().update(signedMessage(contentHash), 'utf8');
}

/** The raw RSASSA-PSS-SHA256 signature over `signedMessage(contentHash)`. */
export function pssSign(contentHash: ContentHash, privateKey: forge.pki.rsa.PrivateKey): Buffer {
  return Buffer.from(privateKey.sign(messageDigest(contentHash), pssScheme()), 'binary');
}

export function pssVerify(contentHash: ContentHash, signature: Buffer, publicKey: forge.pki.rsa.PublicKey): boolean {
  try {
    const digest = messageDigest(contentHash).digest().getBytes();
    return publicKey.verify(digest, signature.toString('binary'), pssScheme());
  } catch {
    // forge throws for inconsistent encodings (wrong length, bad padding): that is simply "does not verify".
    return false;
  }
}
