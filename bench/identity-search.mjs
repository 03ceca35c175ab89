// The console's server-side search (`q`, a prefix) over many tenants and users, through the API, next to
// the same requests without the prefix indexes (dropped in this script), on the same data:
//   search:   GET /api/users?q=<prefix>, GET /api/tenants?q=<prefix> with users_email_prefix_idx and the
//             tenants_*_prefix_idx indexes (migration 1764496800000)
//   baseline: the same requests once those indexes are dropped (PostgreSQL scans the tables)
// Needs the local PostgreSQL and S3 (scripts/s3-rgw.sh start) and a build (npm run build:server).
//   node bench/identity-search.mjs [users=200000] [tenants=20000] [requests=50]
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createRootLogger, listen } from '@extplat/server-core';
import { createDevCa } from '@extplat/signing';
import { benchServices } from './bench-env.mjs';
import { createApiApp } from '../apps/api/dist/app.js';
import { loadApiConfig } from '../apps/api/dist/config/api-config.js';

const USERS = Number(process.argv[2] ?? 200_000);
const TENANTS = Number(process.argv[3] ?? 20_000);
const REQUESTS = Number(process.argv[4] ?? 50);

const services = await benchServices();
const ca = createDevCa({ commonName: 'bench CA', validDays: 2, keyBits: 2048 });
const config = loadApiConfig({
  ...services.env,
  SIGNING_TRUST_BUNDLE: ca.certificatePem,
  RUNNER_SHARED_SECRET: 'r'.repeat(32),
  EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
  AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
  BOOTSTRAP_ADMIN_EMAIL: 'bench@example.test',
  BOOTSTRAP_ADMIN_PASSWORD: 'bench-password-123',
  API_PORT: '0',
});
const app = await createApiApp(config, createRootLogger({ level: 'warn', service: 'api' }));
const base = await listen(app, config.http);
const db = new pg.Client({ connectionString: services.databaseUrl });
await db.connect();

// Tenants (slug t000001…, name "Tenant <md5>") and users spread over them; no user here ever signs in.
await db.query(
  `INSERT INTO tenants (id, slug, name)
   SELECT gen_random_uuid(), 't' || lpad(i::text, 6, '0'), 'Tenant ' || md5(i::text)
   FROM generate_series(1, $1) AS i`,
  [TENANTS],
);
await db.query(
  `INSERT INTO users (id, tenant_id, email, password_hash, role)
   SELECT gen_random_uuid(), ids.list[1 + i % $2], md5(i::text) || '@bench.test', 'x', 'member'
   FROM generate_series(1, $1) AS i, (SELECT array_agg(id) AS list FROM tenants) AS ids`,
  [USERS, TENANTS],
);
await db.query('ANALYZE users; ANALYZE tenants');

const login = await fetch(`${base}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'bench@example.test', password: 'bench-password-123' }),
});
const { accessToken } = await login.json();

/** Median milliseconds of REQUESTS searches, each with another 3-character prefix. */
async function medianMs(path) {
  const times = [];
  for (let i = 0; i < REQUESTS; i++) {
    const prefix = randomBytes(2).toString('hex').slice(0, 3);
    const started = performance.now();
    const response = await fetch(`${base}${path}${prefix}`, { headers: { authorization: `Bearer ${accessToken}` } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}${prefix}: ${response.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const searches = { users: '/api/users?limit=50&q=', tenants: '/api/tenants?limit=50&q=tenant%20' };
const indexed = {};
for (const [name, path] of Object.entries(searches)) indexed[name] = await medianMs(path);
await db.query('DROP INDEX users_email_prefix_idx, tenants_slug_prefix_idx, tenants_name_prefix_idx');
await db.query('ANALYZE users; ANALYZE tenants');
const scanned = {};
for (const [name, path] of Object.entries(searches)) scanned[name] = await medianMs(path);

console.log(`${USERS} users in ${TENANTS} tenants, median of ${REQUESTS} searches each`);
for (const name of Object.keys(searches)) {
  const ratio = scanned[name] / indexed[name];
  console.log(
    `${name.padEnd(8)} search ${indexed[name].toFixed(1)} ms  baseline (no prefix index) ${scanned[name].toFixed(1)} ms  ` +
      `→ ${ratio.toFixed(1)}× faster`,
  );
}

await db.end();
await app.close();
await services.close();
