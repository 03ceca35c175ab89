import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { signBundle } from '@extplat/signing';
import { manifestFor, rawTar, validEntries, zstd, type RawEntry } from '@extplat/testing';
import { type ApiHarness, makeBundle, startApi, testTrust, type TestBundle, uploadViaProxy } from './api-harness.js';

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/** Signs exactly these bytes with the test publisher (makeBundle always builds its own archive). */
function signed(bytes: Buffer): TestBundle {
  const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as const;
  const { publisher } = testTrust();
  const envelope = signBundle({
    contentHash,
    privateKeyPem: publisher.keyPem,
    certificatesPem: publisher.certificatePem,
  });
  return { bytes, contentHash, signature: JSON.stringify(envelope) };
}

const NAME = 'com.example.tickets';

// The bundle is read from the store at finalize: once per driver.
describe.each(['s3', 'fs'] as const)('finalize refuses what the bundle reader must not accept (%s)', (storage) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({ storage });
  }, 60_000);

  afterAll(() => api?.close());

  async function finalize(bundle: TestBundle) {
    const { uploadId } = await uploadViaProxy(api, bundle);
    return api.request<ErrorBody>('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: bundle.signature },
    });
  }

  async function versionStatus(version: string): Promise<number> {
    return (await api.request('GET', `/api/extensions/${NAME}/versions/${version}`)).status;
  }

  it('refuses a signed bundle with a second zstd frame after the tar end marker (TRAILING_DATA)', async () => {
    const evil: RawEntry = { name: 'ui/evil.js', data: 'parent.postMessage(document.cookie, "*")' };
    const bundle = signed(Buffer.concat([zstd(rawTar(validEntries({ version: '1.0.1' }))), zstd(rawTar([evil]))]));
    const result = await finalize(bundle);
    expect(result.status).toBe(422);
    expect(result.body.error.code).toBe('INVALID_BUNDLE');
    expect(result.body.error.details).toMatchObject({ reason: 'TRAILING_DATA' });
    expect(await versionStatus('1.0.1')).toBe(404);
  });

  it('refuses a manifest that is not valid UTF-8 (INVALID_MANIFEST)', async () => {
    const text = Buffer.from(JSON.stringify(manifestFor({ version: '1.0.2', displayName: 'Tickets #' })));
    text[text.indexOf('#')] = 0xc0;
    const entries = validEntries().map((entry) => (entry.name === 'manifest.json' ? { ...entry, data: text } : entry));
    const result = await finalize(makeBundle({ entries }));
    expect(result.status).toBe(422);
    expect(result.body.error.code).toBe('INVALID_MANIFEST');
    expect(result.body.error.message).toMatch(/not valid UTF-8/);
    expect(await versionStatus('1.0.2')).toBe(404);
  });

  it.each([
    ['a backreference', { properties: { code: { type: 'string', pattern: '^(a)\\1$' } } }, '/properties/code/pattern'],
    ['a lookahead key', { patternProperties: { '^(?=x)': { type: 'string' } } }, '/patternProperties/^(?=x)'],
  ])('refuses a config schema with %s, which RE2 cannot run, naming where it is', async (_what, schema, pointer) => {
    const manifest = { version: '1.0.3', config: { type: 'object', ...schema } };
    const result = await finalize(makeBundle({ manifest }));
    expect(result.status).toBe(422);
    expect(result.body.error.code).toBe('INVALID_MANIFEST');
    const issues = result.body.error.details?.['issues'] as { path: string; message: string }[];
    expect(issues).toEqual([{ path: 'config', message: expect.stringContaining(`at ${pointer} cannot be used`) }]);
    expect(await versionStatus('1.0.3')).toBe(404);
  });
});
