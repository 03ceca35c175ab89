import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { rendezvousOrder } from './rendezvous.js';

const runners = ['http://10.0.0.1:8081', 'http://10.0.0.2:8081', 'http://10.0.0.3:8081', 'http://10.0.0.4:8081'];
const hashes = Array.from({ length: 4000 }, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`);
const owner = (key: string, members: readonly string[]) => rendezvousOrder(key, members)[0];

describe('rendezvousOrder', () => {
  it('ranks every member once, whatever order the members come in', () => {
    fc.assert(
      fc.property(fc.string(), fc.shuffledSubarray(runners, { minLength: 1 }), (key, members) => {
        const order = rendezvousOrder(key, members);
        expect([...order].sort()).toEqual([...members].sort());
        expect(rendezvousOrder(key, [...members].reverse())).toEqual(order);
      }),
    );
  });

  it('spreads keys about evenly', () => {
    const counts = new Map<string, number>();
    for (const hash of hashes) counts.set(owner(hash, runners)!, (counts.get(owner(hash, runners)!) ?? 0) + 1);
    expect(counts.size).toBe(runners.length);
    for (const count of counts.values()) {
      // 1000 expected each; a binomial with σ ≈ 27 stays well inside ±15 %.
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1150);
    }
  });

  it('moves only the keys of a member that leaves, each to its next choice', () => {
    fc.assert(
      fc.property(fc.constantFrom(...runners), fc.string(), (leaving, key) => {
        const before = rendezvousOrder(key, runners);
        const after = rendezvousOrder(
          key,
          runners.filter((runner) => runner !== leaving),
        );
        expect(after).toEqual(before.filter((runner) => runner !== leaving));
      }),
    );
  });

  it('gives a member that joins only about 1/n of the keys, all of them taken from their old owner', () => {
    const joined = [...runners, 'http://10.0.0.5:8081'];
    let moved = 0;
    for (const hash of hashes) {
      const was = owner(hash, runners);
      const now = owner(hash, joined);
      if (now !== was) {
        expect(now).toBe('http://10.0.0.5:8081');
        moved += 1;
      }
    }
    // 1/5 of 4000 = 800 expected.
    expect(moved).toBeGreaterThan(680);
    expect(moved).toBeLessThan(920);
  });
});
