import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { loadConfigOrExit, PinoNestLogger, postgresOptions } from '@extplat/server-core';
import { pino } from 'pino';
import { DataSource } from 'typeorm';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { loadApiConfig } from '../config/api-config.js';
import { apiSchema } from '../schema.js';
import { InstallSecretsService } from './install-secrets.service.js';
import { InstallsRepository } from './installs.repository.js';

/**
 * `node apps/api/dist/installs/secrets-rotate-cli.js`: re-seals every install secret under the newest
 * EXT_SECRETS_KEY, with the API's configuration. Rotation: put the new key first and keep the old one after
 * it, deploy, run this, then drop the old key. The report goes to stdout as JSON (no values), logs to stderr.
 * Exit status: 0 all secrets under the newest key, 1 failed or some secrets under an unconfigured key,
 * 64 bad arguments, 78 bad configuration.
 */
const EXIT_FAILED = 1;
const EXIT_USAGE = 64;
const USAGE = 'usage: secrets-rotate-cli';

try {
  parseArgs({ options: {}, strict: true, allowPositionals: false });
} catch (error) {
  process.stderr.write(`extplat-secrets-rotate: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(EXIT_USAGE);
}

const config = loadConfigOrExit('extplat-secrets-rotate', loadApiConfig);
// stdout carries only the report.
Logger.overrideLogger(
  new PinoNestLogger(pino({ level: config.logLevel, base: { service: 'secrets-rotate' } }, pino.destination(2))),
);

const dataSource = new DataSource(postgresOptions({ ...config.database, poolMax: 2, migrationsRun: false }, apiSchema));
try {
  await dataSource.initialize();
  const secrets = new InstallSecretsService(
    new InstallsRepository(dataSource),
    config,
    new AuditService(new AuditRepository(dataSource)),
  );
  const report = await secrets.reencryptAll();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (report.unknownKey.length > 0) process.exitCode = EXIT_FAILED;
} catch (error) {
  process.stderr.write(
    `extplat-secrets-rotate: re-encryption failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = EXIT_FAILED;
} finally {
  if (dataSource.isInitialized) await dataSource.destroy();
}
