import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { manifestFor, rawTar, validEntries, zstd } from '@extplat/testing';
import { BundleError } from './errors.js';
import { inspectBundle } from './inspect.js';

const limits = { maxUnpackedBytes: 256 * 1024, maxEntries: 64, maxBytes: 1024 * 1024 };

/** Inspects and classifies: accepted, or rejected with a BundleError. Anything else fails the property. */
async function outcome(bytes: Buffer): Promise<'accepted' | 'rejected'> {
  try {
    await inspectBundle(Readable.from([bytes]), { limits });
    return 'accepted';
  } catch (error) {
    if (error instanceof BundleError) return 'rejected';
    throw error;
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
);

type Mutation = { kind: 'flip' | 'truncate' | 'insert'; at: number; value?: number; bytes?: Uint8Array };

function mutate(original: Buffer, mutations: readonly Mutation[]): Buffer {
  let data = Buffer.from(original);
  for (const change of mutations) {
    const at = change.at % Math.max(data.length, 1);
    if (change.kind === 'flip') data[at] = change.value ?? 0;
    else if (change.kind === 'truncate') data = data.subarray(0, at);
    else data = Buffer.concat([data.subarray(0, at), Buffer.from(change.bytes ?? []), data.subarray(at)]);
  }
  return data;
}

describe('inspectBundle under random damage (fast-check)', () => {
  const tar = rawTar(validEntries());

  it('never fails with anything but a BundleError when the compressed bytes are damaged', async () => {
    const bundle = zstd(tar);
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        await outcome(mutate(bundle, mutations));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('never fails with anything but a BundleError when the tar stream is damaged under valid zstd', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        await outcome(zstd(mutate(tar, mutations)));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('accepts or rejects arbitrary manifests without crashing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.string(), async (value, key) => {
        const manifest = { ...manifestFor(), [key]: value };
        const entries = validEntries().map((entry) =>
          entry.name === 'manifest.json' ? { ...entry, data: JSON.stringify(manifest) } : entry,
        );
        const result = await outcome(zstd(rawTar(entries)));
        // Unknown top-level fields are refused, so only known keys with acceptable values can pass.
        if (result === 'accepted') expect(Object.keys(manifestFor())).toContain(key);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('keeps memory bounded across many damaged inputs', async () => {
    const bundle = zstd(tar);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 500; i++) await outcome(mutate(bundle, [{ kind: 'flip', at: i * 7, value: i & 0xff }]));
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});
