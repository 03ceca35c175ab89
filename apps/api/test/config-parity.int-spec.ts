import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ConfigFingerprint } from '@extplat/contracts';
import { readinessWhen } from '@extplat/testing';
import { configCheck, type Stack, startStack } from './stack-harness.js';
import { fetchApi } from './openapi-contract.js';

/** A Runner started with a different signing policy and egress allowlist than its API. */
describe('config drift between the API and the Runner', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      runnerEnv: { SIGNING_POLICY: 'warn', EXT_EGRESS_ALLOWLIST: 'https://api.example.com' },
    });
  }, 60_000);

  afterAll(() => stack?.close());

  it('publishes digests keyed with the shared secret: an empty allowlist is not sha256("")', async () => {
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    const api = (await (await fetchApi(`${stack.api.base}/api/config-fingerprint`)).json()) as ConfigFingerprint;
    const runner = (await (await fetch(`${stack.runnerUrl}/v1/config-fingerprint`)).json()) as ConfigFingerprint;
    expect(api.settings.egressAllowlist).toMatch(/^[0-9a-f]{64}$/);
    expect(api.settings.egressAllowlist).not.toBe(sha256(''));
    expect(runner.settings.egressAllowlist).not.toBe(sha256('https://api.example.com'));
    expect(api.settings.sharedSecret).toBe(runner.settings.sharedSecret);
  });

  it('makes the API not ready and names every setting that differs', async () => {
    type Body = { checks: Record<string, { ok: boolean; error?: string }> };
    // Until the checks have their real answers: under load one may first report its 3 s timeout.
    const ready = await readinessWhen<Body>(
      `${stack.api.base}/readyz`,
      ({ body }) => body.checks['database']?.ok === true && /differs/.test(body.checks['runnerConfig']?.error ?? ''),
    );
    expect(ready.status).toBe(503);
    const body = ready.body;
    expect(body.checks['database']?.ok).toBe(true);
    expect(body.checks['runnerConfig']).toMatchObject({
      ok: false,
      error: "the Runner's configuration differs in: signingPolicy, egressAllowlist",
    });
  });

  it('fails npm run config:check with the names of the settings', async () => {
    const check = await configCheck(stack.api.base, stack.runnerUrl);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('signingPolicy: SIGNING_POLICY: API enforce, Runner warn');
    expect(check.stdout).toContain('egressAllowlist: EXT_EGRESS_ALLOWLIST: values differ');
    expect(check.stdout).not.toContain('trustBundle');
  });

  it('reports an unreachable Runner without failing readiness, and config:check exits 2', async () => {
    await stack.runner.stop();
    const ready = await readinessWhen<{ checks: Record<string, { ok: boolean; detail?: string }> }>(
      `${stack.api.base}/readyz`,
      (answer) => answer.status === 200,
    );
    const body = ready.body;
    expect(body.checks['runnerConfig']).toMatchObject({
      ok: true,
      detail: expect.stringContaining('could not be reached'),
    });
    expect(ready.status).toBe(200);
    expect((await configCheck(stack.api.base, stack.runnerUrl)).code).toBe(2);
  });
});
