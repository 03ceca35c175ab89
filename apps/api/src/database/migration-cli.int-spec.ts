import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@extplat/testing';
import pg from 'pg';
import { migrationNames } from './migrations.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** The TypeORM CLI on the built data source, as `npm run migration:*` runs it. */
async function typeorm(command: string, databaseUrl: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['node_modules/typeorm/cli.js', command, '-d', 'apps/api/dist/data-source.js'],
    { cwd: root, env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl } },
  );
  return stdout;
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [table]);
    return rows[0]?.found !== null;
  } finally {
    await client.end();
  }
}

describe('migration CLI (shared data source)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(() => database?.drop());

  it('shows, reverts and re-applies the migrations on DATABASE_URL', async () => {
    const last = migrationNames.at(-1) ?? '';
    const shown = await typeorm('migration:show', database.url);
    for (const name of migrationNames) expect(shown).toMatch(new RegExp(`\\[X\\] \\d+ ${name}`));
    await typeorm('migration:revert', database.url);
    expect(await typeorm('migration:show', database.url)).toContain(`[ ] ${last}`);
    expect(await typeorm('migration:run', database.url)).toContain(`Migration ${last} has been executed successfully`);
    expect(await typeorm('migration:show', database.url)).not.toContain('[ ]');
    expect(await tableExists(database.url, 'tenants')).toBe(true);
  });

  it('refuses to run without DATABASE_URL, naming it', async () => {
    await expect(typeorm('migration:show', '')).rejects.toMatchObject({
      stderr: expect.stringContaining('DATABASE_URL: is required'),
    });
  });
});
