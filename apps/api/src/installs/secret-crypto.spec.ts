import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DomainError } from '@extplat/server-core';
import { openSecret, sealSecret } from './secret-crypto.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const binding = { installId: '5b0e9f1c-2f0a-4f3e-8d55-0f7b1d0c9a11', name: 'API_TOKEN' };

describe('install secret sealing', () => {
  it('round-trips a value under the sealing key and never stores it in clear', () => {
    const value = 'tok_live_ünïcode_🔑';
    const sealed = sealSecret(k1, binding, value);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.tag).toHaveLength(16);
    expect(sealed.ciphertext.includes(Buffer.from(value))).toBe(false);
    expect(openSecret([k2, k1], binding, sealed)).toBe(value);
  });

  it('uses a fresh iv for every seal', () => {
    const first = sealSecret(k1, binding, 'same');
    const second = sealSecret(k1, binding, 'same');
    expect(first.iv.equals(second.iv)).toBe(false);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
  });

  it('refuses to open a value moved to another install or name (AAD binding)', () => {
    const sealed = sealSecret(k1, binding, 'value');
    expect(() => openSecret([k1], { ...binding, name: 'OTHER' }, sealed)).toThrow(/failed authentication/);
    expect(() => openSecret([k1], { ...binding, installId: '00000000-0000-4000-8000-000000000000' }, sealed)).toThrow(
      /failed authentication/,
    );
  });

  it('detects tampering with the ciphertext or the tag', () => {
    const sealed = sealSecret(k1, binding, 'value');
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => openSecret([k1], binding, { ...sealed, ciphertext: flipped })).toThrow(/failed authentication/);
    expect(() => openSecret([k1], binding, { ...sealed, tag: randomBytes(16) })).toThrow(/failed authentication/);
  });

  it('names the missing key when the sealing key is no longer configured', () => {
    const sealed = sealSecret(k1, binding, 'value');
    let caught: unknown;
    try {
      openSecret([k2], binding, sealed);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('SECRETS_KEY_UNKNOWN');
    expect((caught as DomainError).message).toContain('"k1"');
    expect(JSON.stringify((caught as DomainError).details)).not.toContain('value');
  });
});
