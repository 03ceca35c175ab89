import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, makeBundle, MIB, testTrust } from '../../apps/api/test/api-harness.js';
import { type Stack, templateBundle } from '../../apps/api/test/stack-harness.js';
import {
  ensureConsoleBuilt,
  launchChromium,
  pickBundleFiles,
  screenshot,
  signIn,
  startConsoleStack,
  until,
  writeBundle,
} from './console-harness.js';

// Each step drives a real browser against the real stack: give it room beyond jest's 5 s default.
jest.setTimeout(60_000);
const EXTENSION_ID = 'com.example.status-board';
const PASSWORD = 'a long enough password';

/**
 * The admin console in real Chromium against the running stack: API (serving the built console) + Runner
 * as a process, real PostgreSQL and S3, signatures enforced. One scenario after another on one stack.
 */
describe('admin console end to end', () => {
  const work = mkdtempSync(join(tmpdir(), 'extplat-console-e2e-'));
  let stack: Stack;
  let base: string;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page };
  let tenantId: string;
  const member = { email: 'member@acme.example', password: PASSWORD };
  let files: {
    good: { bundle: string; signature: string };
    cancel: { bundle: string; signature: string };
    badSignature: { bundle: string; signature: string };
    badManifest: { bundle: string; signature: string };
  };

  const percent = async (page: Page) =>
    Number((await page.getByTestId('upload-percent').textContent())?.replace('%', ''));
  /** Slows the browser's uploads (DevTools network throttling) so progress, reload and cancel happen mid-way. */
  const throttleUploads = async (context: BrowserContext, page: Page, bytesPerSecond: number) => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: bytesPerSecond,
    });
  };
  /** The upload the console keeps in localStorage to resume it (null when none). */
  const pendingUpload = (page: Page) => page.evaluate<string | null>('localStorage.getItem("extplat.upload.pending")');

  beforeAll(async () => {
    const [distDir] = await Promise.all([
      ensureConsoleBuilt(),
      // The template extension, built, packed and signed by extctl, with an incompressible payload so the
      // bundle spans several 5 MiB parts.
      templateBundle(work, 'status-board', (project) =>
        writeFileSync(join(project, 'ui/payload.bin'), randomBytes(36 * MIB)),
      ),
    ]);
    files = {
      good: {
        bundle: join(work, 'status-board/bundle.tar.zst'),
        signature: join(work, 'status-board/bundle.tar.zst.sig'),
      },
      cancel: writeBundle(
        work,
        'cancel-me',
        makeBundle({ manifest: { name: 'com.example.cancelled' }, payloadBytes: 24 * MIB }),
      ),
      // Signed by a certificate issued to another publisher than the manifest names.
      badSignature: writeBundle(work, 'bad-signature', makeBundle({ signer: testTrust().other })),
      badManifest: writeBundle(
        work,
        'bad-manifest',
        makeBundle({ manifest: { version: 'one point oh', capabilities: ['cap:teleport'] } }),
      ),
    };

    stack = await startConsoleStack(distDir, {
      // The first extension call is a cold start of a 36 MiB bundle (fetch, verify, unpack, transpile): on a
      // loaded two-core machine it can take longer than the default 10 s budget.
      apiEnv: { UPLOAD_PART_SIZE_BYTES: String(5 * MIB), EXT_GATEWAY_TIMEOUT_MS: '60000' },
    });
    base = stack.api.base;

    const tenant = await stack.api.request<{ id: string }>('POST', '/api/tenants', {
      json: { slug: 'acme', name: 'Acme' },
    });
    tenantId = tenant.body.id;
    const created = await stack.api.request('POST', '/api/users', {
      json: { email: member.email, password: member.password, role: 'member', tenantId },
    });
    expect(created.status).toBe(201);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    admin = { context, page: await context.newPage() };
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs the platform admin in, back to the page asked for', async () => {
    const { page } = admin;
    await page.goto(`${base}/install`);
    await page.waitForURL(/\/sign-in\?returnUrl=%2Finstall/);
    await screenshot(page, '01-sign-in');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The email or the password is wrong');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/install`);
    await page.getByRole('heading', { name: /Install an extension/ }).waitFor();
  });

  it('explains a bad signature: which check failed', async () => {
    const { page } = admin;
    await page.goto(`${base}/install`);
    await pickBundleFiles(page, files.badSignature);
    await page.getByRole('button', { name: 'Upload and verify' }).click();
    const panel = page.locator('.error-panel');
    await panel.waitFor();
    expect(await panel.getAttribute('data-code')).toBe('PUBLISHER_MISMATCH');
    const text = await panel.textContent();
    expect(text).toContain('Signature rejected');
    expect(text).toContain('The "publisher" check failed');
    expect(text).toMatch(/publisher: fail/);
    await screenshot(page, '02-bad-signature');
  });

  it('lists every issue of an invalid manifest with its path', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Choose other files' }).click();
    await pickBundleFiles(page, files.badManifest);
    await page.getByRole('button', { name: 'Upload and verify' }).click();
    const panel = page.locator('.error-panel');
    await panel.waitFor();
    expect(await panel.getAttribute('data-code')).toBe('INVALID_MANIFEST');
    const issues = await panel.locator('.issues li').allTextContents();
    expect(issues.some((issue) => issue.startsWith('version:'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('capabilities[0]:'))).toBe(true);
    await screenshot(page, '03-invalid-manifest');
  });

  it('uploads a signed bundle with moving progress, survives a reload mid-upload and resumes to completion', async () => {
    const { context, page } = admin;
    await throttleUploads(context, page, 6 * MIB);
    await page.goto(`${base}/install`);
    await pickBundleFiles(page, files.good);
    await page.getByTestId('picked-signature').getByText('bundle.tar.zst.sig', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Upload and verify' }).click();
    await page.locator('[data-phase=uploading]').waitFor();
    await until(async () => (await percent(page)) > 0);
    const early = await percent(page);
    await until(async () => (await percent(page)) > early + 5);
    expect(await percent(page)).toBeGreaterThan(early);
    expect(await page.getByTestId('upload-stats').textContent()).toMatch(/MiB of .* MiB.*%.*\/s/);
    await screenshot(page, '04-upload-progress');

    // Reload once the server holds some parts but not all.
    const pending = JSON.parse((await pendingUpload(page)) ?? 'null') as {
      uploadId: string;
    };
    expect(pending.uploadId).toEqual(expect.any(String));
    await until(
      async () =>
        (await stack.api.request<{ receivedBytes: number }>('GET', `/api/ext-bundles/uploads/${pending.uploadId}`)).body
          .receivedBytes > 0,
    );
    await page.reload();
    const banner = page.getByTestId('resume-banner');
    await banner.waitFor();
    await banner.getByText(/MiB are on the server/).waitFor();
    await screenshot(page, '05-resume-after-reload');
    await throttleUploads(context, page, 6 * MIB);
    await page.locator('#resume-file').setInputFiles(files.good.bundle);
    await page.getByTestId('verification-summary').waitFor({ timeout: 60_000 });
    const summary = await page.getByTestId('verification-summary').textContent();
    const expectedHash = (JSON.parse(readFileSync(files.good.signature, 'utf8')) as { digest: string }).digest;
    expect(await page.getByTestId('summary-hash').textContent()).toBe(expectedHash);
    expect(summary).toContain('is verified and registered');
    expect(summary).toContain('signed by example');
    expect(summary).toMatch(/publisher: pass/);
    expect(summary).toContain('GET /greeting');
    expect(summary).toContain('ui/index.html');
    await screenshot(page, '06-verification-summary');
  }, 180_000);

  it('installs the new version for the tenant and enables it', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Install for a tenant' }).click();
    // The install form's own tenant picker, not the header's: type part of the name, pick the match.
    const form = page.getByRole('region', { name: `Install ${EXTENSION_ID}` });
    // exact: a grant's description ("which tenant, install and user") is part of its checkbox's label.
    await form.getByRole('combobox', { name: 'Tenant', exact: true }).fill('acme');
    await form.getByTestId('tenant-options').locator('[data-slug="acme"]').click();
    await until(
      async () => (await page.evaluate<string | null>("localStorage.getItem('extplat.tenant')")) === tenantId,
    );
    await page.getByLabel('Configuration (JSON)').fill('{"greeting": "Howdy"}');
    await expect(page.getByLabel('Enable right away').isChecked()).resolves.toBe(true);
    // Nothing is pre-granted; each request is explained; granting all of it is one explicit action.
    await expect(page.getByTestId('grant-summary').textContent()).resolves.toContain('Nothing granted yet');
    await expect(page.getByText('Read the secrets you set').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Grant everything this version requests' }).click();
    await page
      .getByTestId('grant-summary')
      .filter({ hasText: /(\d+) of \1 requested permissions granted/ })
      .waitFor();
    await screenshot(page, '07-install-form');
    await page.getByRole('button', { name: 'Install', exact: true }).click();
    await expect(page.getByTestId('install-done').textContent()).resolves.toMatch(/installed and\s+enabled/);
    const installs = await stack.api.request<{ items: { enabled: boolean; version: string }[] }>(
      'GET',
      `/api/installs?tenantId=${tenantId}`,
    );
    expect(installs.body.items).toEqual([expect.objectContaining({ enabled: true, version: '0.1.0' })]);
  });

  it('cancels an upload and the server aborts it', async () => {
    const { context, page } = admin;
    await page.goto(`${base}/install`);
    await throttleUploads(context, page, 4 * MIB);
    await pickBundleFiles(page, files.cancel);
    await page.getByRole('button', { name: 'Upload and verify' }).click();
    await page.locator('[data-phase=uploading]').waitFor();
    await until(async () => (await percent(page)) > 0);
    const { uploadId } = JSON.parse((await pendingUpload(page)) ?? '{}') as {
      uploadId: string;
    };
    await page.getByRole('button', { name: 'Cancel upload' }).click();
    await page.locator('[data-phase=cancelled]').waitFor();
    await screenshot(page, '08-upload-cancelled');
    expect((await stack.api.request('GET', `/api/ext-bundles/uploads/${uploadId}`)).status).toBe(404);
    const audit = await stack.api.request<{ items: { type: string }[] }>(
      'GET',
      `/api/audit?subject=upload:${uploadId}`,
    );
    expect(audit.body.items.map((event) => event.type)).toContain('upload.abort');
    expect(await pendingUpload(page)).toBeNull();
  });

  describe('as a member of the tenant', () => {
    let memberPage: Page;

    beforeAll(async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      memberPage = await context.newPage();
      await signIn(memberPage, base, member.email, member.password);
    });

    it('opens the extension page: its UI renders and calls its API through the bridge', async () => {
      await memberPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status Board' }).click();
      await memberPage.waitForURL(`${base}/apps/${EXTENSION_ID}`);
      const frame = memberPage.frameLocator('[data-testid=extension-frame]');
      await frame.getByText('Howdy from Status Board').waitFor({ timeout: 90_000 });
      await expect(frame.locator('#status').textContent()).resolves.toContain('Connected to the console');
      await expect(frame.getByRole('heading').textContent()).resolves.toBe('Status Board');
      // The frame reported its content's height and the console sized the iframe to it.
      await until(async () => (await memberPage.getByTestId('extension-frame').boundingBox())!.height < 400);
      const src = await memberPage.getByTestId('extension-frame').getAttribute('src');
      expect(src).toMatch(
        new RegExp(`^${stack.runnerPublicBase}/ext-ui/${EXTENSION_ID}/sha256:[0-9a-f]{64}/index.html$`),
      );
      expect(await memberPage.getByTestId('extension-frame').getAttribute('sandbox')).toBe('allow-scripts allow-forms');
      await screenshot(memberPage, '09-extension-page');

      // Opened as a top-level page, the UI still gets an opaque origin (CSP sandbox), not the Runner origin
      // that every extension's UI shares: no storage of its own or of another extension's.
      const topLevel = await memberPage.context().newPage();
      try {
        await topLevel.goto(src!);
        await topLevel.getByRole('heading', { name: 'Status Board' }).waitFor({ timeout: 30_000 });
        expect(await topLevel.evaluate<string>('self.origin')).toBe('null');
        await expect(topLevel.evaluate<number>('localStorage.length')).rejects.toThrow(/SecurityError|denied/i);
      } finally {
        await topLevel.close();
      }
    }, 180_000);

    it('cannot reach the install wizard', async () => {
      await expect(memberPage.getByRole('link', { name: 'Install', exact: true }).count()).resolves.toBe(0);
      await memberPage.goto(`${base}/install`);
      await memberPage.waitForURL(/\/forbidden/);
      await expect(memberPage.getByRole('alert').textContent()).resolves.toContain('needs the role platform-admin');
      await screenshot(memberPage, '10-member-forbidden');
    });

    it('sees the extension page say so once an admin disables it', async () => {
      const { page } = admin;
      await page.goto(`${base}/extensions`);
      const row = page.locator(`tr[data-extension="${EXTENSION_ID}"]`);
      await row.getByTestId('installed-version').getByText('0.1.0').waitFor();
      const toggle = row.getByTestId('enable-switch');
      await expect(toggle.getAttribute('aria-checked')).resolves.toBe('true');
      await toggle.click();
      await row.getByText('Disabled.').waitFor();
      await expect(toggle.getAttribute('aria-checked')).resolves.toBe('false');
      await screenshot(page, '11-extensions-list');

      await memberPage.goto(`${base}/apps/${EXTENSION_ID}`);
      await expect(memberPage.getByTestId('host-message').textContent()).resolves.toContain(
        'is disabled for your tenant',
      );
      await screenshot(memberPage, '12-extension-disabled');
    });
  });
});
