#!/usr/bin/env node
// Config parity (ARCHITECTURE §9.8): compares the settings the API and the Runner must share and names
// every one that differs. Exit status: 0 in agreement, 1 drift, 2 a service could not be asked.
//   npm run config:check -- [--api <url>] [--runner <url>] [--json]
// Defaults: API_URL (http://127.0.0.1:8080) and RUNNER_BASE_URL (http://127.0.0.1:8081).
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: process.env.API_URL ?? 'http://127.0.0.1:8080' },
    runner: { type: 'string', default: process.env.RUNNER_BASE_URL ?? 'http://127.0.0.1:8081' },
    json: { type: 'boolean', default: false },
  },
});

const SETTING_NAMES = {
  sharedSecret: 'RUNNER_SHARED_SECRET (the other digests cannot be compared until it agrees)',
  storage:
    'bundle store location (STORAGE_DRIVER, STORAGE_S3_ENDPOINT, STORAGE_S3_BUCKET, STORAGE_FS_ROOT, BUNDLE_STORE_BASE)',
  signingPolicy: 'SIGNING_POLICY',
  trustBundle: 'SIGNING_TRUST_BUNDLE',
  revoked: 'SIGNING_REVOKED',
  egressAllowlist: 'EXT_EGRESS_ALLOWLIST',
};

async function fingerprint(base, path) {
  const url = `${base.replace(/\/+$/, '')}${path}`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    return await response.json();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`config:check: could not read ${url}: ${reason}`);
    process.exit(2);
  }
}

const api = await fingerprint(values.api, '/api/config-fingerprint');
const runner = await fingerprint(values.runner, '/v1/config-fingerprint');
const differs = (key) => JSON.stringify(api.settings[key]) !== JSON.stringify(runner.settings[key]);
// The digests are keyed with the shared secret: under two secrets only the clear settings compare.
const comparable = differs('sharedSecret') ? ['sharedSecret', 'signingPolicy'] : Object.keys(SETTING_NAMES);
const drift = comparable.filter(differs);
if (values.json) {
  console.log(JSON.stringify({ ok: drift.length === 0, drift, api, runner }, null, 2));
} else if (drift.length === 0) {
  console.log(`config parity: the API and the Runner agree (fingerprint ${api.fingerprint.slice(0, 16)})`);
} else {
  console.log('config drift between the API and the Runner:');
  for (const key of drift) {
    const shown =
      key === 'signingPolicy' ? `API ${api.settings[key]}, Runner ${runner.settings[key]}` : 'values differ';
    console.log(`  - ${key}: ${SETTING_NAMES[key]}: ${shown}`);
  }
}
process.exit(drift.length === 0 ? 0 : 1);
