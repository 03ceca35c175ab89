import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { componentImporting, validEntries, type RawEntry } from '@extplat/testing';
import pg from 'pg';
import {
  type ApiHarness,
  makeBundle,
  startApi,
  storedKeys,
  testTrust,
  type TestBundle,
  uploadViaProxy,
} from './api-harness.js';

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Finalized = { created: boolean; version: { version: string } };

const ALLOWED = ['extplat:extension/log@1.0.0', 'extplat:extension/types@1.0.0', 'wasi:io/poll@0.2.3'];

/** A signed bundle of version `version` whose entry, dist/main.wasm, is `component`. */
function bundleWithComponent(version: string, component: Buffer): TestBundle {
  const entries: RawEntry[] = validEntries({ version }).map((entry) =>
    entry.name === 'dist/main.wasm' ? { ...entry, data: component } : entry,
  );
  return makeBundle({ entries });
}

describe.each([{ driver: 's3' as const }, { driver: 'fs' as const }])(
  'finalize refuses components that import more than the platform provides ($driver driver)',
  ({ driver }) => {
    let api: ApiHarness;

    beforeAll(async () => {
      testTrust();
      api = await startApi({ storage: driver });
    }, 60_000);

    afterAll(() => api?.close());

    async function finalize(bundle: TestBundle) {
      const { uploadId } = await uploadViaProxy(api, bundle);
      const result = await api.request<Finalized & ErrorBody>('POST', '/api/ext-bundles/finalize', {
        json: { uploadId, signature: bundle.signature },
      });
      return { uploadId, ...result };
    }

    async function rows(table: string): Promise<number> {
      const client = new pg.Client({ connectionString: api.database.url });
      await client.connect();
      try {
        const { rows: found } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        return found[0]?.n ?? 0;
      } finally {
        await client.end();
      }
    }

    const keys = (prefix: string): Promise<string[]> => storedKeys(api, prefix);

    it('registers a component that imports only the world and allowed WASI interfaces', async () => {
      const bundle = bundleWithComponent('1.0.0', componentImporting(ALLOWED));
      const result = await finalize(bundle);
      expect(result.status).toBe(200);
      expect(result.body.version.version).toBe('1.0.0');
      // The listing below sees what a finalize writes, so its empty answers for refused bundles mean something.
      expect(await keys(`sha256/${bundle.contentHash.slice('sha256:'.length)}/`)).toContain(
        `sha256/${bundle.contentHash.slice('sha256:'.length)}/bundle.tar.zst`,
      );
    });

    it.each([
      [
        'a component importing stdout and the filesystem',
        '2.0.0',
        componentImporting([...ALLOWED, 'wasi:cli/stdout@0.2.3', 'wasi:filesystem/preopens@0.2.3']),
        {
          reason: 'COMPONENT_IMPORTS_NOT_ALLOWED',
          entry: 'dist/main.wasm',
          imports: ['wasi:cli/stdout@0.2.3', 'wasi:filesystem/preopens@0.2.3'],
        },
      ],
      [
        'a core module instead of a component',
        '2.1.0',
        Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
        { reason: 'NOT_A_COMPONENT', entry: 'dist/main.wasm' },
      ],
      [
        'a truncated component',
        '2.2.0',
        componentImporting(ALLOWED).subarray(0, 20),
        { reason: 'INVALID_COMPONENT', entry: 'dist/main.wasm' },
      ],
    ])('answers 422 INVALID_BUNDLE for %s and registers nothing', async (_case, version, component, details) => {
      const bundle = bundleWithComponent(version, component);
      const [extensions, versions] = [await rows('extensions'), await rows('extension_versions')];
      const result = await finalize(bundle);
      expect(result.status).toBe(422);
      expect(result.body.error.code).toBe('INVALID_BUNDLE');
      expect(result.body.error.details).toEqual(details);
      expect(result.body.error.message).toContain('dist/main.wasm');
      expect(await rows('extensions')).toBe(extensions);
      expect(await rows('extension_versions')).toBe(versions);
      expect(await keys(`sha256/${bundle.contentHash.slice('sha256:'.length)}/`)).toEqual([]);
      expect(await keys(`staging/${result.uploadId}/`)).toEqual([]);
    });
  },
);
