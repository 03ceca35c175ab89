import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, makeBundle, startApi, uploadViaProxy } from './api-harness.js';

type Page<T> = { items: T[]; nextCursor: string | null };
type Summary = { name: string; latestVersion: { version: string; status: string } | null; versionCount: number };

describe('registry endpoints', () => {
  let api: ApiHarness;

  async function publish(manifest: Record<string, unknown>): Promise<void> {
    const bundle = makeBundle({ manifest });
    const { uploadId } = await uploadViaProxy(api, bundle);
    const result = await api.request('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: bundle.signature },
    });
    expect(result.status).toBe(200);
  }

  beforeAll(async () => {
    api = await startApi({ storage: 'fs' });
    await publish({ name: 'com.example.alpha', version: '1.0.0', displayName: 'Alpha tickets' });
    await publish({ name: 'com.example.alpha', version: '1.1.0', displayName: 'Alpha tickets' });
    await publish({ name: 'com.example.beta', version: '0.1.0', description: 'Invoices for beta' });
    await publish({ name: 'com.example.gamma', version: '2.0.0' });
  }, 60_000);

  afterAll(() => api?.close());

  it('lists extensions with their latest version, filtered and paginated', async () => {
    const all = await api.request<Page<Summary>>('GET', '/api/extensions');
    expect(all.body.items.map((item) => item.name)).toEqual([
      'com.example.alpha',
      'com.example.beta',
      'com.example.gamma',
    ]);
    expect(all.body.items[0]).toMatchObject({
      versionCount: 2,
      latestVersion: { version: '1.1.0', status: 'published' },
    });

    const search = await api.request<Page<Summary>>('GET', '/api/extensions?q=invoices');
    expect(search.body.items.map((item) => item.name)).toEqual(['com.example.beta']);

    const first = await api.request<Page<Summary>>('GET', '/api/extensions?limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await api.request<Page<Summary>>(
      'GET',
      `/api/extensions?limit=2&cursor=${first.body.nextCursor ?? ''}`,
    );
    expect(second.body).toEqual({ items: [expect.objectContaining({ name: 'com.example.gamma' })], nextCursor: null });

    const invalid = await api.request<{ error: { code: string } }>('GET', '/api/extensions?limit=500');
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('shows versions newest first and one version in full', async () => {
    const versions = await api.request<Page<{ version: string }>>('GET', '/api/extensions/com.example.alpha/versions');
    expect(versions.body.items.map((item) => item.version)).toEqual(['1.1.0', '1.0.0']);
    const detail = await api.request<{ manifest: { name: string }; signature: { status: string; checks: unknown[] } }>(
      'GET',
      '/api/extensions/com.example.alpha/versions/1.0.0',
    );
    expect(detail.body.manifest.name).toBe('com.example.alpha');
    expect(detail.body.signature.status).toBe('verified');
    expect(detail.body.signature.checks).toHaveLength(8);
    expect((await api.request('GET', '/api/extensions/com.example.none')).status).toBe(404);
    expect((await api.request('GET', '/api/extensions/com.example.alpha/versions/9.9.9')).status).toBe(404);
  });

  it('yanks and unyanks a version, and the latest version follows', async () => {
    const yank = await api.request<{ status: string; yankedReason: string }>(
      'POST',
      '/api/extensions/com.example.alpha/versions/1.1.0/yank',
      {
        json: { reason: 'leaks tokens' },
      },
    );
    expect(yank.body).toMatchObject({ status: 'yanked', yankedReason: 'leaks tokens' });
    const summary = await api.request<Summary>('GET', '/api/extensions/com.example.alpha');
    expect(summary.body.latestVersion).toMatchObject({ version: '1.0.0' });
    const unyank = await api.request<{ status: string }>(
      'POST',
      '/api/extensions/com.example.alpha/versions/1.1.0/unyank',
    );
    expect(unyank.body.status).toBe('published');
    const audit = await api.request<{ items: { type: string; subject: string }[] }>(
      'GET',
      '/api/audit?subject=extension:com.example.alpha',
    );
    expect(audit.body.items.map((event) => event.type)).toEqual(
      expect.arrayContaining(['version.yank', 'version.unyank']),
    );
  });

  it('takes the highest version by SemVer precedence as the latest, whatever the publication order', async () => {
    // A pre-release's numeric identifiers compare as numbers: alpha.10 outranks alpha.2, published later.
    for (const version of ['1.0.0-alpha.10', '1.0.0-alpha.2', '0.9.0']) {
      await publish({ name: 'com.example.delta', version });
    }
    const summary = await api.request<Summary>('GET', '/api/extensions/com.example.delta');
    expect(summary.body).toMatchObject({ versionCount: 3, latestVersion: { version: '1.0.0-alpha.10' } });
    // The version list stays the publication history, newest first.
    const versions = await api.request<Page<{ version: string }>>('GET', '/api/extensions/com.example.delta/versions');
    expect(versions.body.items.map((item) => item.version)).toEqual(['0.9.0', '1.0.0-alpha.2', '1.0.0-alpha.10']);
  });
});
