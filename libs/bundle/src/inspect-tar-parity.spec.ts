import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { rawTar, validEntries, zstd, type RawEntry } from '@extplat/testing';
import { BundleError } from './errors.js';
import { inspectBundle } from './inspect.js';

/**
 * Differential property: whatever the reader accepts, GNU tar lists exactly the same entries in the same
 * order. Each case spawns tar, so CI runs a bounded number; BUNDLE_TAR_PARITY_RUNS=2000 runs a long session.
 */
const RUNS = Number(process.env['BUNDLE_TAR_PARITY_RUNS'] ?? 40);
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'extplat-tar-parity-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,11}$/);
const extraEntry: fc.Arbitrary<RawEntry> = fc.oneof(
  fc.record({
    name: fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `extra/${parts.join('/')}`),
    data: fc.oneof(
      fc.constant(''),
      fc.uint8Array({ maxLength: 1500 }).map((bytes) => Buffer.from(bytes)),
      // Sizes on and around block boundaries, where an off-by-one in the walk would show.
      fc.constantFrom(511, 512, 513, 1024).map((size) => Buffer.alloc(size, 0x61)),
    ),
    paxName: fc.boolean(),
  }),
  fc.record({
    name: fc.array(segment, { minLength: 1, maxLength: 2 }).map((parts) => `extra/${parts.join('/')}`),
    type: fc.constant('directory' as const),
  }),
);

/** What follows the last entry: how the archive ends, and what comes after its end. */
const ending = fc.record({
  marker: fc.constantFrom('none', 'one-block', 'two-blocks', 'record'),
  after: fc.oneof(
    fc.constant({ kind: 'nothing' as const }),
    fc.record({ kind: fc.constant('zeros' as const), length: fc.integer({ min: 1, max: 20_000 }) }),
    fc.record({ kind: fc.constant('entry' as const), name: fc.constantFrom('ui/evil.js', 'extra/late.txt') }),
    fc.record({
      kind: fc.constant('bytes' as const),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }),
      zerosBefore: fc.nat({ max: 2048 }),
    }),
  ),
});

/** Where the decompressed stream is cut into separate zstd frames (as fractions of its length). */
const frameCuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 });

type Ending = typeof ending extends fc.Arbitrary<infer T> ? T : never;

function archive(extra: RawEntry[], end: Ending): Buffer {
  const body = rawTar([...validEntries(), ...extra], { endMarker: false });
  const marker =
    end.marker === 'none'
      ? Buffer.alloc(0)
      : end.marker === 'one-block'
        ? Buffer.alloc(512)
        : end.marker === 'two-blocks'
          ? Buffer.alloc(1024)
          : Buffer.alloc(10240 - (body.length % 10240));
  const after =
    end.after.kind === 'nothing'
      ? Buffer.alloc(0)
      : end.after.kind === 'zeros'
        ? Buffer.alloc(end.after.length)
        : end.after.kind === 'entry'
          ? rawTar([{ name: end.after.name, data: 'alert(1)' }])
          : Buffer.concat([Buffer.alloc(end.after.zerosBefore), Buffer.from(end.after.bytes)]);
  return Buffer.concat([body, marker, after]);
}

function framed(tar: Buffer, cuts: number[]): Buffer {
  const offsets = [...new Set(cuts.map((cut) => Math.floor(cut * tar.length)))].sort((a, b) => a - b);
  const frames: Buffer[] = [];
  let start = 0;
  for (const offset of [...offsets, tar.length]) {
    if (offset > start) frames.push(zstd(tar.subarray(start, offset)));
    start = offset;
  }
  return Buffer.concat(frames);
}

async function readerListing(bytes: Buffer): Promise<string[] | undefined> {
  try {
    const result = await inspectBundle(Readable.from([bytes]));
    return result.files.map((file) => file.path);
  } catch (error) {
    if (error instanceof BundleError) return undefined;
    throw error;
  }
}

let cases = 0;
async function tarListing(bytes: Buffer): Promise<string[]> {
  const file = join(work, `case-${cases++}.tar.zst`);
  writeFileSync(file, bytes);
  try {
    const { stdout } = await run('tar', ['--zstd', '-tf', file], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.split('\n').filter((line) => line !== '');
  } finally {
    rmSync(file, { force: true });
  }
}

describe('inspectBundle against GNU tar (fast-check)', () => {
  it('accepts only bundles whose entries GNU tar lists identically', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(extraEntry, { maxLength: 6, selector: (entry) => entry.name }),
        ending,
        frameCuts,
        async (extra, end, cuts) => {
          const bytes = framed(archive(extra, end), cuts);
          const files = await readerListing(bytes);
          if (files === undefined) return;
          accepted += 1;
          // Without an end marker, an entry "after" the last one is simply the next entry of the archive.
          const late = end.marker === 'none' && end.after.kind === 'entry' ? [{ name: end.after.name }] : [];
          const entries: RawEntry[] = [...validEntries(), ...extra, ...late];
          const listed = (await tarListing(bytes)).map((name) => name.replace(/\/$/, ''));
          // Both list the archive's entries and nothing else (the reader reports regular files only).
          expect(listed).toEqual(entries.map((entry) => entry.name));
          expect(files).toEqual(entries.filter((entry) => entry.type !== 'directory').map((entry) => entry.name));
          expect(late.length > 0 || end.after.kind === 'nothing' || end.after.kind === 'zeros').toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
    // A generator that made only refused bundles would prove nothing.
    expect(accepted).toBeGreaterThan(RUNS / 10);
  }, 600_000);
});
