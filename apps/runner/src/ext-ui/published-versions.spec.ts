import { describe, expect, it } from '@jest/globals';
import { contentHashFromHex } from '@extplat/contracts';
import { DomainError } from '@extplat/server-core';
import { PublishedVersions } from './published-versions.js';
import type { PublishedVersionsRepository } from './published-versions.repository.js';

const HASH = contentHashFromHex('a'.repeat(64));

/** A repository whose answers the test sets; counts the queries that reach it. */
function fakeRepository(answer: () => Promise<boolean>) {
  const calls = { count: 0 };
  const repository = {
    isPublished: () => {
      calls.count += 1;
      return answer();
    },
  } as unknown as PublishedVersionsRepository;
  return { repository, calls };
}

describe('PublishedVersions', () => {
  it('remembers a yes for 5 s and a no for 1 s, so a yank stops serving within 5 s', async () => {
    let now = 0;
    let published = true;
    const { repository, calls } = fakeRepository(() => Promise.resolve(published));
    const versions = new PublishedVersions(repository, { now: () => now });

    expect(await versions.isPublished('com.example.x', HASH)).toBe(true);
    published = false;
    now = 4999;
    expect(await versions.isPublished('com.example.x', HASH)).toBe(true);
    expect(calls.count).toBe(1);
    now = 5000;
    expect(await versions.isPublished('com.example.x', HASH)).toBe(false);
    published = true;
    now = 5999;
    expect(await versions.isPublished('com.example.x', HASH)).toBe(false);
    now = 6000;
    expect(await versions.isPublished('com.example.x', HASH)).toBe(true);
    expect(calls.count).toBe(3);
  });

  it('keys by extension and hash, and shares one query among concurrent callers', async () => {
    const { repository, calls } = fakeRepository(() => new Promise((resolve) => setTimeout(() => resolve(true), 5)));
    const versions = new PublishedVersions(repository);
    await Promise.all([1, 2, 3].map(() => versions.isPublished('com.example.x', HASH)));
    expect(calls.count).toBe(1);
    await versions.isPublished('com.example.y', HASH);
    expect(calls.count).toBe(2);
  });

  it('answers SERVICE_UNAVAILABLE when the database fails, and does not remember the failure', async () => {
    let fail = true;
    const { repository, calls } = fakeRepository(() =>
      fail ? Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432')) : Promise.resolve(true),
    );
    const versions = new PublishedVersions(repository);
    const error = await versions.isPublished('com.example.x', HASH).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(JSON.stringify((error as DomainError).details ?? {})).not.toContain('10.0.0.5');
    fail = false;
    expect(await versions.isPublished('com.example.x', HASH)).toBe(true);
    expect(calls.count).toBe(2);
  });

  it('keeps at most maxEntries answers', async () => {
    const { repository, calls } = fakeRepository(() => Promise.resolve(false));
    const versions = new PublishedVersions(repository, { maxEntries: 2, now: () => 0 });
    for (const id of ['a.x', 'b.x', 'c.x']) await versions.isPublished(id, HASH);
    await versions.isPublished('c.x', HASH);
    expect(calls.count).toBe(3);
    await versions.isPublished('a.x', HASH);
    expect(calls.count).toBe(4);
  });
});
