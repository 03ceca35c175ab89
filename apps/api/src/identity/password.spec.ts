import { describe, expect, it } from '@jest/globals';
import { hashPassword, PASSWORD_HASH_PARAMS, verifyPassword } from './password.js';

describe('password hashing (scrypt)', () => {
  it('encodes the algorithm, its parameters, a salt and the hash', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    const [algorithm, n, r, p, salt, hash, ...rest] = encoded.split('$');
    expect({ algorithm, n, r, p, rest }).toEqual({
      algorithm: 'scrypt',
      n: String(PASSWORD_HASH_PARAMS.N),
      r: String(PASSWORD_HASH_PARAMS.r),
      p: String(PASSWORD_HASH_PARAMS.p),
      rest: [],
    });
    expect(Buffer.from(salt ?? '', 'base64url')).toHaveLength(16);
    expect(Buffer.from(hash ?? '', 'base64url')).toHaveLength(32);
  });

  it('verifies the right password and refuses others', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', encoded)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', encoded)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts every hash, so equal passwords give different hashes', async () => {
    const [first, second] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(first).not.toBe(second);
    expect(await verifyPassword('same password!', second)).toBe(true);
  });

  it('treats canonically equal Unicode spellings as the same password', async () => {
    const composed = 'caf\u00e9 au lait 42';
    const decomposed = 'cafe\u0301 au lait 42';
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('verifies with the parameters stored in the hash', async () => {
    const cheap = await hashPassword('a long enough password', { N: 2 ** 10, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('a long enough password', cheap)).toBe(true);
  });

  it('never matches a malformed or tampered hash, nor one with abusive parameters', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    const parts = encoded.split('$');
    const flipped = [...parts.slice(0, 5), `${parts[5]?.startsWith('A') ? 'B' : 'A'}${parts[5]?.slice(1)}`].join('$');
    for (const stored of [
      '',
      'plain text',
      flipped,
      encoded.replace('scrypt$', 'bcrypt$'),
      encoded.replace(`$${PASSWORD_HASH_PARAMS.N}$`, '$3000$'),
      encoded.replace(`$${PASSWORD_HASH_PARAMS.N}$`, `$${2 ** 24}$`),
      encoded.replace('$8$1$', '$8$99$'),
    ]) {
      expect(await verifyPassword('correct horse battery staple', stored)).toBe(false);
    }
  });

  it('costs every guess at least 32 MiB of memory-hard work (scrypt uses 128 * N * r bytes)', async () => {
    // The cost is asserted through the parameters rather than a stopwatch, which a loaded machine defeats.
    const { N, r, p } = PASSWORD_HASH_PARAMS;
    expect(128 * N * r).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(p).toBeGreaterThanOrEqual(1);
    // And new hashes are made with them.
    const encoded = await hashPassword('correct horse battery staple');
    expect(encoded.startsWith(`scrypt$${N}$${r}$${p}$`)).toBe(true);
  });
});
