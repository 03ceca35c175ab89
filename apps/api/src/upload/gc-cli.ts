import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { bundleStoreFromConfig, loadConfigOrExit, PinoNestLogger, postgresOptions } from '@extplat/server-core';
import { KeyPolicy } from '@extplat/storage';
import { pino } from 'pino';
import { DataSource } from 'typeorm';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { loadApiConfig } from '../config/api-config.js';
import { apiSchema } from '../schema.js';
import { DEFAULT_GC_OPTIONS } from './gc-options.js';
import { GcRepository } from './gc.repository.js';
import { GcService } from './gc.service.js';

/**
 * `node apps/api/dist/upload/gc-cli.js [--dry-run] [--grace-seconds N]`: one sweep of the upload area with the
 * API's configuration; the report goes to stdout as JSON, logs to stderr.
 * Exit status: 0 swept, 1 the sweep failed or left failures, 64 bad arguments, 78 bad configuration.
 */
const EXIT_FAILED = 1;
const EXIT_USAGE = 64;
const USAGE = 'usage: gc-cli [--dry-run] [--grace-seconds N]';

function parseCommandLine(): { dryRun: boolean; graceSeconds: number } {
  try {
    const { values } = parseArgs({
      options: { 'dry-run': { type: 'boolean', default: false }, 'grace-seconds': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    const grace = values['grace-seconds'];
    if (grace !== undefined && !/^\d{1,9}$/.test(grace)) {
      throw new Error(`--grace-seconds must be a whole number of seconds (got "${grace}")`);
    }
    return {
      dryRun: values['dry-run'],
      graceSeconds: grace === undefined ? DEFAULT_GC_OPTIONS.graceSeconds : Number(grace),
    };
  } catch (error) {
    process.stderr.write(`extplat-gc: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(EXIT_USAGE);
  }
}

const args = parseCommandLine();
const config = loadConfigOrExit('extplat-gc', loadApiConfig);
// stdout carries only the report.
Logger.overrideLogger(
  new PinoNestLogger(pino({ level: config.logLevel, base: { service: 'gc' } }, pino.destination(2))),
);

const dataSource = new DataSource(postgresOptions({ ...config.database, poolMax: 2, migrationsRun: false }, apiSchema));
try {
  await dataSource.initialize();
  const gc = new GcService(
    new GcRepository(dataSource),
    bundleStoreFromConfig(config.storage),
    new KeyPolicy(config.storage.canonicalBase, config.storage.stagingBase),
    new AuditService(new AuditRepository(dataSource)),
    { ...DEFAULT_GC_OPTIONS, graceSeconds: args.graceSeconds },
  );
  const report = await gc.sweep({ dryRun: args.dryRun, graceSeconds: args.graceSeconds });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (report.failures.length > 0) process.exitCode = EXIT_FAILED;
} catch (error) {
  process.stderr.write(`extplat-gc: sweep failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = EXIT_FAILED;
} finally {
  if (dataSource.isInitialized) await dataSource.destroy();
}
