import 'reflect-metadata';
import { EnvReader, loadConfigOrExit, postgresOptions, readDatabase } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { apiSchema } from '../schema.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/**
 * `node apps/api/dist/audit/verify-chain.js` (npm run audit:verify): re-verifies the whole audit chain.
 * Reads only DATABASE_URL (and DATABASE_POOL_MAX), so it can run from anywhere that reaches the database.
 * Exit status: 0 intact, 1 broken, 69 the database could not be read, 78 bad configuration.
 */
const EXIT_BROKEN = 1;
const EXIT_UNAVAILABLE = 69;

const database = loadConfigOrExit('extplat-audit-verify', (env) => {
  const reader = new EnvReader(env);
  const config = readDatabase(reader, { migrationsRunDefault: false });
  reader.finish();
  return { ...config, migrationsRun: false };
});

const dataSource = new DataSource(postgresOptions({ ...database, poolMax: 1 }, apiSchema));
try {
  await dataSource.initialize();
  const result = await new AuditService(new AuditRepository(dataSource)).verifyChain();
  if (result.ok) {
    process.stdout.write(`audit chain ok: ${result.checked} events verified\n`);
  } else {
    process.stdout.write(
      `audit chain BROKEN at seq ${result.firstBadSeq}: ${result.reason} (${result.checked} events checked)\n`,
    );
    process.exitCode = EXIT_BROKEN;
  }
} catch (error) {
  process.stderr.write(
    `extplat-audit-verify: could not read the audit chain: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = EXIT_UNAVAILABLE;
} finally {
  if (dataSource.isInitialized) await dataSource.destroy();
}
