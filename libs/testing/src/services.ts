import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import type { S3Connection, ServicesPath } from './environment.js';

const run = promisify(execFile);

export interface ProvidedServices {
  path: ServicesPath;
  origin: { postgres: string; s3: string };
  postgresAdminUrl: string;
  s3: S3Connection;
  /** Stops whatever this run started (containers); local services are left running. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Script that starts a local S3 server and prints `STORAGE_S3_*=` lines (scripts/s3-rgw.sh). */
  s3StartScript: string;
  /** How long a Docker engine gets to answer before the local path is taken. */
  dockerProbeMs?: number;
  log: (line: string) => void;
}

const DEFAULT_LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const POSTGRES_IMAGE = 'postgres:16-alpine';
const MINIO_IMAGE = 'minio/minio:RELEASE.2025-04-22T22-12-26Z';

/**
 * Decides once where PostgreSQL and S3 come from: testcontainers when a Docker engine answers quickly,
 * otherwise services on this machine. There is deliberately no third option: never a fake.
 */
export async function provideServices(options: ServiceOptions): Promise<ProvidedServices> {
  const forced = process.env['EXTPLAT_TEST_SERVICES'];
  if (forced !== undefined && forced !== 'local' && forced !== 'testcontainers') {
    throw new Error(`EXTPLAT_TEST_SERVICES must be "local" or "testcontainers", got "${forced}"`);
  }
  const docker =
    forced === 'local' ? 'skipped (EXTPLAT_TEST_SERVICES=local)' : await probeDocker(options.dockerProbeMs ?? 4000);
  if (docker === true) return startContainers(options);
  if (forced === 'testcontainers')
    throw new Error(`EXTPLAT_TEST_SERVICES=testcontainers but no Docker engine: ${docker}`);
  options.log(`no Docker engine (${docker}); using local services`);
  return useLocalServices(options);
}

/** True when a Docker engine answers in time, else the reason it did not. */
async function probeDocker(timeoutMs: number): Promise<true | string> {
  const dockerHost = process.env['DOCKER_HOST'];
  if (!dockerHost && !existsSync('/var/run/docker.sock')) return 'no DOCKER_HOST and no /var/run/docker.sock';
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      // A socket that accepts but never answers would otherwise hang the run.
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch (error) {
    return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
  } finally {
    clearTimeout(timer);
  }
}

async function startContainers(options: ServiceOptions): Promise<ProvidedServices> {
  options.log(`Docker engine found; starting ${POSTGRES_IMAGE} and ${MINIO_IMAGE} with testcontainers`);
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { MinioContainer } = await import('@testcontainers/minio');
  const [postgres, minio] = await Promise.all([
    new PostgreSqlContainer(POSTGRES_IMAGE).start(),
    new MinioContainer(MINIO_IMAGE).start(),
  ]);
  return {
    path: 'testcontainers',
    origin: { postgres: `container ${POSTGRES_IMAGE}`, s3: `container ${MINIO_IMAGE}` },
    postgresAdminUrl: postgres.getConnectionUri(),
    s3: {
      endpoint: minio.getConnectionUrl(),
      region: 'us-east-1',
      accessKeyId: minio.getUsername(),
      secretAccessKey: minio.getPassword(),
      forcePathStyle: true,
    },
    stop: async () => {
      await Promise.all([postgres.stop(), minio.stop()]);
    },
  };
}

async function useLocalServices(options: ServiceOptions): Promise<ProvidedServices> {
  const postgresAdminUrl = process.env['TEST_DATABASE_URL'] ?? DEFAULT_LOCAL_POSTGRES;
  await checkPostgres(postgresAdminUrl);
  const s3FromEnv = s3ConnectionFromEnv();
  const s3 = s3FromEnv ?? (await startLocalS3(options));
  return {
    path: 'local',
    origin: {
      postgres: `${process.env['TEST_DATABASE_URL'] ? 'TEST_DATABASE_URL' : 'local PostgreSQL'} ${redact(postgresAdminUrl)}`,
      s3: s3FromEnv ? `TEST_S3_ENDPOINT ${s3.endpoint}` : `Ceph RGW ${s3.endpoint} (${options.s3StartScript})`,
    },
    postgresAdminUrl,
    s3,
    stop: async () => {},
  };
}

async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${redact(url)} (${String(error)}). Start it ` +
        `(pg_ctlcluster 15 main start) or point TEST_DATABASE_URL at a server where this user may CREATE DATABASE.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** TEST_S3_ENDPOINT + TEST_S3_ACCESS_KEY + TEST_S3_SECRET_KEY (+ TEST_S3_REGION) select an existing server. */
function s3ConnectionFromEnv(): S3Connection | null {
  const endpoint = process.env['TEST_S3_ENDPOINT'];
  if (!endpoint) return null;
  const accessKeyId = process.env['TEST_S3_ACCESS_KEY'];
  const secretAccessKey = process.env['TEST_S3_SECRET_KEY'];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('TEST_S3_ENDPOINT is set, so TEST_S3_ACCESS_KEY and TEST_S3_SECRET_KEY are required too');
  }
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region: process.env['TEST_S3_REGION'] ?? 'us-east-1',
    forcePathStyle: true,
  };
}

async function startLocalS3(options: ServiceOptions): Promise<S3Connection> {
  options.log(`starting a local Ceph RGW with ${options.s3StartScript} (first start installs Debian packages)`);
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [options.s3StartScript, 'start'], { timeout: 15 * 60_000, maxBuffer: 1 << 20 }));
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : String(error);
    throw new Error(`could not start the local S3 server with ${options.s3StartScript}: ${detail}`);
  }
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^(STORAGE_S3_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const get = (name: string): string => {
    const value = values.get(name);
    if (!value) throw new Error(`${options.s3StartScript} did not print ${name}`);
    return value;
  };
  return {
    endpoint: get('STORAGE_S3_ENDPOINT'),
    accessKeyId: get('STORAGE_S3_ACCESS_KEY'),
    secretAccessKey: get('STORAGE_S3_SECRET_KEY'),
    region: get('STORAGE_S3_REGION'),
    forcePathStyle: true,
  };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
