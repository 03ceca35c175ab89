import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '@extplat/server-core';
import type { SecretsKey } from '../config/api-config.js';
import { InstallErrors } from './installs.errors.js';

/** A secret as stored: AES-256-GCM output and the id of the key that sealed it. */
export interface SealedSecret {
  ciphertext: Buffer;
  /** 12 random bytes, fresh for every seal: GCM is broken by reusing an iv under one key. */
  iv: Buffer;
  tag: Buffer;
  keyId: string;
}

/** Where a secret belongs; bound into the ciphertext so a sealed value cannot be moved to another install or name. */
export interface SecretBinding {
  installId: string;
  name: string;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Additional authenticated data: a row copied to another install or renamed in the database fails to open
 * instead of handing one tenant's secret to another extension. Versioned, so the binding can evolve.
 */
function associatedData({ installId, name }: SecretBinding): Buffer {
  return Buffer.from(`extplat:install-secret:v1\0${installId}\0${name}`, 'utf8');
}

/** Seals `value` under `key` (the newest configured key). */
export function sealSecret(key: SecretsKey, binding: SecretBinding, value: string): SealedSecret {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(binding));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag(), keyId: key.id };
}

/**
 * Opens a sealed secret with whichever configured key has its key id. An unknown key id is a configuration
 * problem (the key was dropped from EXT_SECRETS_KEY before the secrets were re-encrypted), reported as
 * SECRETS_KEY_UNKNOWN; a failed authentication (tampered row, wrong binding) throws a plain error.
 */
export function openSecret(keys: readonly SecretsKey[], binding: SecretBinding, sealed: SealedSecret): string {
  const key = keys.find((candidate) => candidate.id === sealed.keyId);
  if (!key) {
    throw new DomainError(
      InstallErrors.SECRETS_KEY_UNKNOWN,
      `Secret "${binding.name}" is sealed with key "${sealed.keyId}", which EXT_SECRETS_KEY no longer lists: ` +
        'add that key back (after the newest) and re-encrypt the secrets before removing it',
      { installId: binding.installId, name: binding.name, keyId: sealed.keyId },
    );
  }
  const decipher = createDecipheriv(ALGORITHM, key.key, sealed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(binding));
  decipher.setAuthTag(sealed.tag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(
      `Secret "${binding.name}" of install ${binding.installId} failed authentication under key "${key.id}"`,
    );
  }
}
