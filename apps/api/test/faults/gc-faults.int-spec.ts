import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { runToExit } from '@extplat/testing';
import pg from 'pg';
import { type ApiHarness, apiTestEnv, makeBundle, startApiProcess } from '../api-harness.js';
import { publish } from '../stack-harness.js';
import { assertNothingLost } from './fault-harness.js';

const GC_ENTRY = fileURLToPath(new URL('../../dist/upload/gc-cli.js', import.meta.url));
const PUBLISHES = 20;

describe('garbage collection against concurrent publishes', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApiProcess();
  });

  afterAll(() => api?.close());

  it(`loses none of ${PUBLISHES} concurrent publishes to back-to-back sweeps with no grace period`, async () => {
    const bundles = Array.from({ length: PUBLISHES }, (_, i) =>
      makeBundle({ manifest: { name: `com.example.gc-${i}`, version: '1.0.0' }, payloadBytes: 64 * 1024 }),
    );
    let publishing = true;
    const sweeps: { code: number | null; stderr: string }[] = [];
    const sweeper = (async () => {
      // The most aggressive sweeper there is: one sweep after another, nothing protected by age.
      while (publishing || sweeps.length === 0) {
        sweeps.push(
          await runToExit(GC_ENTRY, { ...apiTestEnv(api.database, api.bucket), LOG_LEVEL: 'warn' }, [
            '--grace-seconds',
            '0',
          ]).then(
            ({ code, stderr }) => ({ code, stderr }),
            (error: Error) => ({ code: -1, stderr: error.message }),
          ),
        );
      }
    })();
    const published = await Promise.allSettled(bundles.map((bundle) => publish(api, bundle)));
    publishing = false;
    await sweeper;

    expect(published.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(sweeps.filter((sweep) => sweep.code !== 0)).toEqual([]);
    const client = new pg.Client({ connectionString: api.database.url });
    await client.connect();
    let hashes: string[];
    try {
      hashes = (await client.query<{ content_hash: string }>('SELECT content_hash FROM extension_versions')).rows.map(
        (row) => row.content_hash,
      );
    } finally {
      await client.end();
    }
    expect(hashes.sort()).toEqual(bundles.map((bundle) => bundle.contentHash).sort());
    const { staging } = await assertNothingLost(hashes, api.bucket!);
    expect(staging).toEqual([]);
  });
});
