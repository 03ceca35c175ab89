import { createHash } from 'node:crypto';

/**
 * The weight of `member` for `key` in rendezvous (highest-random-weight) hashing: the first 8 bytes of
 * SHA-256 over both, so every API replica ranks the same Runners the same way with no shared state.
 */
function weight(key: string, member: string): bigint {
  return createHash('sha256').update(key).update('\n').update(member).digest().readBigUInt64BE(0);
}

/**
 * Every member ordered by its weight for `key`, highest first. The first is the owner of `key`; the rest
 * are the order to fail over in. Removing a member moves only the keys it owned, and adding one takes
 * only the keys for which it now weighs most (about 1/n of them).
 */
export function rendezvousOrder<T extends string>(key: string, members: readonly T[]): T[] {
  return members
    .map((member) => ({ member, weight: weight(key, member) }))
    .sort((a, b) => (a.weight === b.weight ? a.member.localeCompare(b.member) : a.weight > b.weight ? -1 : 1))
    .map(({ member }) => member);
}
