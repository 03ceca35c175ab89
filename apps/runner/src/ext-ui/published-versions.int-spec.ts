import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { contentHashFromHex } from '@extplat/contracts';
import { createTestDatabase, type TestDatabase } from '@extplat/testing';
import { DataSource } from 'typeorm';
import {
  PUBLISHED_VERSIONS_COLUMNS,
  PUBLISHED_VERSIONS_VIEW,
  PublishedVersionsRepository,
} from './published-versions.repository.js';

const PUBLISHED = contentHashFromHex('a'.repeat(64));
const YANKED = contentHashFromHex('b'.repeat(64));
const UNKNOWN = contentHashFromHex('c'.repeat(64));

/**
 * The Runner's contract with the API's database (ARCHITECTURE §9.6), on a real PostgreSQL: the test
 * database is a copy of the template the global setup migrated with the API's own migrations.
 */
describe('runner_published_versions: what the Runner reads of the API database', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: PublishedVersionsRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({ type: 'postgres', url: database.url, poolSize: 2 });
    await dataSource.initialize();
    repository = new PublishedVersionsRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('has exactly the columns the Runner selects, with their types', async () => {
    const columns: { column_name: string; data_type: string }[] = await dataSource.query(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [PUBLISHED_VERSIONS_VIEW],
    );
    expect(columns.map((column) => column.column_name)).toEqual([...PUBLISHED_VERSIONS_COLUMNS]);
    expect(columns.map((column) => column.data_type)).toEqual([
      'character varying',
      'character varying',
      'character varying',
      'timestamp with time zone',
    ]);
  });

  it("answers the Runner's queries from the API's rows: published, yanked, unknown", async () => {
    const [extension] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO extensions (name, publisher) VALUES ('com.example.tickets', 'example') RETURNING id`,
    );
    const insertVersion = (version: string, contentHash: string, status: string) =>
      dataSource.query(
        `INSERT INTO extension_versions (extension_id, version, content_hash, size, unpacked_size, runtime, entry,
           api_endpoints, capabilities, egress, manifest, publisher, signature_status, signature, status, published_by)
         VALUES ($1, $2, $3, 1, 1, 'wasm-component@1', 'dist/main.wasm', '[]', '[]', '[]', '{}', 'example',
           'unsigned', '{}', $4, 'user:test')`,
        [extension?.id, version, contentHash, status],
      );
    await insertVersion('1.0.0', PUBLISHED, 'published');
    await insertVersion('1.1.0', YANKED, 'yanked');

    expect(await repository.isPublished('com.example.tickets', PUBLISHED)).toBe(true);
    expect(await repository.isPublished('com.example.tickets', YANKED)).toBe(false);
    expect(await repository.isPublished('com.example.other', PUBLISHED)).toBe(false);
    expect(await repository.registeredAt(YANKED)).toBeInstanceOf(Date);
    expect(await repository.registeredAt(UNKNOWN)).toBeUndefined();
  });

  it("is all the Runner reads: no Runner source names one of the API's tables", async () => {
    const rows = await dataSource.query<{ tablename: string }[]>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    const tables = rows.map((row) => row.tablename);
    expect(tables).toContain('extension_versions');
    const runnerSource = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const offenders: string[] = [];
    for (const file of readdirSync(runnerSource, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || /\.(int-)?spec\.ts$/.test(file)) continue;
      const text = readFileSync(path.join(runnerSource, file), 'utf8');
      for (const table of tables) {
        if (new RegExp(`\\b(FROM|JOIN|UPDATE|INTO)\\s+${table}\\b`, 'i').test(text))
          offenders.push(`${file}: ${table}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
