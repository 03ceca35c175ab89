import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, makeBundle, MIB, type TestBundle } from '../../apps/api/test/api-harness.js';
import { publish, type Stack, tenantUser } from '../../apps/api/test/stack-harness.js';
import {
  ensureConsoleBuilt,
  launchChromium,
  screenshot,
  signIn,
  startConsoleStack,
  until,
  writeBundle,
} from './console-harness.js';
import { fetchApi } from '../../apps/api/test/openapi-contract.js';

// Each step drives a real browser against the real stack: give it room beyond jest's 5 s default.
jest.setTimeout(60_000);

const EXTENSION = 'com.example.radar';
const BASE_CAPABILITIES = ['cap:log.emit', 'cap:context.read'];
const ADDED_CAPABILITY = 'cap:http.fetch';
const ADDED_ORIGIN = 'https://api.radar.example.com';
const KEY_NAME = 'ci-publish-e2e';

interface InstallView {
  id: string;
  version: string;
  extension: { name: string };
  capabilities: { requested: string[]; granted: string[] };
  egress: { requested: string[]; granted: string[] };
}

/**
 * The console's management pages in real Chromium against the real stack (API serving the built console,
 * Runner as a process, PostgreSQL, S3): API keys, upgrade/rollback with approval, yank, and an upload that
 * survives a lost connection by itself.
 */
describe('admin console management end to end', () => {
  const work = mkdtempSync(join(tmpdir(), 'extplat-console-manage-e2e-'));
  let stack: Stack;
  let base: string;
  let browser: Browser;
  let tenant: { tenantId: string; email: string; password: string };
  let tenantAdmin: { context: BrowserContext; page: Page };
  let admin: { context: BrowserContext; page: Page };
  let offlineBundle: TestBundle;
  let offlineFiles: { bundle: string; signature: string };

  const me = (credential: string) =>
    fetchApi(`${base}/api/auth/me`, { headers: { authorization: `Bearer ${credential}` } });
  const tenantInstall = async (): Promise<InstallView> => {
    const installs = await stack.api.request<{ items: InstallView[] }>(
      'GET',
      `/api/installs?tenantId=${tenant.tenantId}`,
    );
    expect(installs.status).toBe(200);
    const install = installs.body.items.find((item) => item.extension.name === EXTENSION);
    if (!install) throw new Error(`no install of ${EXTENSION}: ${JSON.stringify(installs.body)}`);
    return install;
  };

  beforeAll(async () => {
    offlineBundle = makeBundle({ manifest: { name: 'com.example.offline-proof' }, payloadBytes: 30 * MIB });
    offlineFiles = writeBundle(work, 'offline-proof', offlineBundle);
    const distDir = await ensureConsoleBuilt();
    stack = await startConsoleStack(distDir, { apiEnv: { UPLOAD_PART_SIZE_BYTES: String(5 * MIB) } });
    base = stack.api.base;

    tenant = await tenantUser(stack.api, 'acme', 'tenant-admin');
    // 2.0.0 asks for one more capability and an egress origin than 1.0.0.
    await publish(
      stack.api,
      makeBundle({ manifest: { name: EXTENSION, version: '1.0.0', capabilities: BASE_CAPABILITIES } }),
    );
    await publish(
      stack.api,
      makeBundle({
        manifest: {
          name: EXTENSION,
          version: '2.0.0',
          capabilities: [...BASE_CAPABILITIES, ADDED_CAPABILITY],
          egress: [ADDED_ORIGIN],
        },
      }),
    );
    const installed = await stack.api.request('POST', '/api/installs', {
      json: {
        extensionId: EXTENSION,
        version: '1.0.0',
        tenantId: tenant.tenantId,
        grant: { capabilities: BASE_CAPABILITIES, egress: [] },
        enabled: true,
      },
    });
    expect(installed.status).toBe(201);

    browser = await launchChromium();
    const tenantContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await tenantContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    tenantAdmin = { context: tenantContext, page: await tenantContext.newPage() };
    await signIn(tenantAdmin.page, base, tenant.email, tenant.password);
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    admin = { context: adminContext, page: await adminContext.newPage() };
    await signIn(admin.page, base, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('creates an API key shown once, which works against the API until it is revoked', async () => {
    const { page } = tenantAdmin;
    await page.goto(`${base}/api-keys`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    // A tenant admin may not mint platform-admin keys.
    await expect(page.getByLabel('Role').locator('option').allTextContents()).resolves.toEqual([
      'tenant-admin',
      'member',
    ]);
    await page.getByLabel('Name').fill(KEY_NAME);
    await page.getByLabel('Role').selectOption('member');
    await page.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    const key = (await shown.locator('#new-key-value').textContent())?.trim() ?? '';
    expect(key).toMatch(/^extplat_\S{20,}$/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByRole('button', { name: 'Copied' }).waitFor();
    await expect(page.evaluate<string>('navigator.clipboard.readText()')).resolves.toBe(key);
    await screenshot(page, '13-api-key-created');

    // The key is a credential of the API, as the member of this tenant it was made for.
    const who = await me(key);
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({
      kind: 'api-key',
      role: 'member',
      tenantId: tenant.tenantId,
      name: KEY_NAME,
    });

    // Listed by its prefix; the whole key is not shown again.
    const row = page.getByTestId('api-key-table').getByRole('row').filter({ hasText: KEY_NAME });
    await expect(row.locator('td').allTextContents()).resolves.toEqual([
      KEY_NAME,
      expect.any(String),
      'member',
      expect.any(String),
      expect.any(String),
      'active',
      expect.any(String),
    ]);
    const prefix = (await row.locator('code').textContent())?.trim() ?? '';
    expect(prefix.length).toBeGreaterThan(0);
    expect(key.startsWith(`extplat_${prefix}_`)).toBe(true);
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await page.reload();
    await row.waitFor();
    await expect(page.locator('body').textContent()).resolves.not.toContain(key);

    // Keyboard only. Escape keeps the key and gives focus back; the confirmation revokes it at once.
    const revoke = row.getByRole('button', { name: `Revoke ${KEY_NAME}` });
    const focused = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    const dialog = page.getByRole('alertdialog', { name: `Revoke ${KEY_NAME}?` });
    await revoke.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await expect(dialog.getByText('Anything using this key stops working at once.').count()).resolves.toBe(1);
    // Focus starts on Cancel, so a second Enter cannot revoke by accident.
    await until(async () => (await focused()) === 'Cancel');
    await screenshot(page, '13-revoke-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(page.evaluate<string | null>("document.activeElement?.getAttribute('aria-label')")).resolves.toBe(
      `Revoke ${KEY_NAME}`,
    );
    expect((await me(key)).status).toBe(200);
    await expect(row.locator('td').nth(5).textContent()).resolves.toBe('active');

    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await until(async () => (await focused()) === 'Cancel');
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe('Revoke key');
    // Focus is trapped: Tab past the last button comes back to the first, Shift+Tab goes round the other way.
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe('Cancel');
    await page.keyboard.press('Shift+Tab');
    await expect(focused()).resolves.toBe('Revoke key');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await row.locator('td').nth(5).getByText('revoked', { exact: true }).waitFor();
    await expect(revoke.count()).resolves.toBe(0);
    const refused = await me(key);
    expect(refused.status).toBe(401);
  });

  it('upgrades after approving the added capability and egress, then rolls back without approval', async () => {
    const { page } = tenantAdmin;
    await page.goto(`${base}/extensions/${EXTENSION}`);
    const state = page.getByTestId('install-state');
    await state.getByText('1.0.0', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Upgrade to 2.0.0' }).click();
    const diff = page.getByTestId('version-diff');
    await diff.waitFor();
    await expect(diff.getByRole('heading').textContent()).resolves.toMatch(/Upgrade from 1\.0\.0 to\s+2\.0\.0/);
    await expect(diff.locator('li').allTextContents()).resolves.toEqual([
      `Capabilities added: ${ADDED_CAPABILITY}`,
      'Capabilities dropped: none',
      `Egress added: ${ADDED_ORIGIN}`,
      'Egress dropped: none',
    ]);
    // The switch waits for the approval of what 2.0.0 adds.
    const switchButton = diff.getByRole('button', { name: 'Switch to 2.0.0' });
    await expect(switchButton.isDisabled()).resolves.toBe(true);
    await diff.getByLabel('I approve granting what 2.0.0 adds.').check();
    await until(() => switchButton.isEnabled());
    await screenshot(page, '14-upgrade-diff');
    await switchButton.click();
    await page.getByRole('status').getByText('Now on version 2.0.0.').waitFor();
    await diff.waitFor({ state: 'detached' });
    await state.getByText('2.0.0', { exact: true }).waitFor();
    await expect(state.textContent()).resolves.toContain(ADDED_ORIGIN);

    const upgraded = await tenantInstall();
    expect(upgraded.version).toBe('2.0.0');
    expect([...upgraded.capabilities.granted].sort()).toEqual([...BASE_CAPABILITIES, ADDED_CAPABILITY].sort());
    expect(upgraded.egress.granted).toEqual([ADDED_ORIGIN]);

    await page.getByRole('button', { name: 'Roll back to 1.0.0' }).click();
    await diff.waitFor();
    await expect(diff.getByRole('heading').textContent()).resolves.toMatch(/Roll back from 2\.0\.0 to\s+1\.0\.0/);
    await expect(diff.locator('li').allTextContents()).resolves.toEqual([
      'Capabilities added: none',
      `Capabilities dropped: ${ADDED_CAPABILITY}`,
      'Egress added: none',
      `Egress dropped: ${ADDED_ORIGIN}`,
    ]);
    await expect(diff.getByRole('checkbox').count()).resolves.toBe(0);
    await diff.getByRole('button', { name: 'Switch to 1.0.0' }).click();
    await page.getByRole('status').getByText('Now on version 1.0.0.').waitFor();
    await state.getByText('1.0.0', { exact: true }).waitFor();
    // The timeline speaks words: what happened, between which versions, and no raw event names or ids.
    const timeline = page.getByTestId('audit-timeline');
    const switched = timeline.locator('li[data-type="install.version-change"]', { hasText: 'from 2.0.0 to 1.0.0' });
    await switched.waitFor();
    await expect(switched.locator('strong').textContent()).resolves.toBe('Version changed');
    const timelineText = (await timeline.textContent()) ?? '';
    expect(timelineText).not.toMatch(/install\.|[0-9a-f]{8}-[0-9a-f]{4}-/);
    await screenshot(page, '15-rolled-back');

    const rolledBack = await tenantInstall();
    expect(rolledBack.version).toBe('1.0.0');
    expect([...rolledBack.capabilities.granted].sort()).toEqual([...BASE_CAPABILITIES].sort());
    expect(rolledBack.egress.granted).toEqual([]);
  });

  it('yanks a version as platform admin, with the reason asked for, and marks it yanked', async () => {
    const { page } = admin;
    await page.goto(`${base}/extensions/${EXTENSION}`);
    const row = page.locator('tr[data-version="2.0.0"]');
    await row.getByRole('button', { name: 'Yank' }).waitFor();
    await expect(row.locator('.badge').count()).resolves.toBe(0);

    await row.getByRole('button', { name: 'Yank' }).click();
    const dialog = page.getByRole('alertdialog', { name: `Yank ${EXTENSION} 2.0.0?` });
    await dialog.getByLabel('Why must it no longer be installed?').fill('leaks the session token');
    await dialog.getByRole('button', { name: 'Yank version' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.locator('.badge').getByText('yanked', { exact: true }).waitFor();
    await page.getByRole('status').getByText('Yanked 2.0.0.').waitFor();
    await row.getByRole('button', { name: 'Unyank' }).waitFor();
    await expect(page.locator('tr[data-version="1.0.0"]').locator('.badge').count()).resolves.toBe(0);
    await screenshot(page, '16-version-yanked');

    const version = await stack.api.request<{ status: string; yankedReason: string | null }>(
      'GET',
      `/api/extensions/${EXTENSION}/versions/2.0.0`,
    );
    expect(version.body).toMatchObject({ status: 'yanked', yankedReason: 'leaks the session token' });

    // The tenant admin sees the marker and is no longer offered the upgrade.
    const tenantPage = tenantAdmin.page;
    await tenantPage.reload();
    const tenantRow = tenantPage.locator('tr[data-version="2.0.0"]');
    await tenantRow.locator('.badge').getByText('yanked', { exact: true }).waitFor();
    await expect(tenantRow.getByRole('button').count()).resolves.toBe(0);
  });

  it('pauses an upload when the connection drops and finishes it by itself once it is back', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await signIn(page, base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(`${base}/install`);
      // Slow uploads (DevTools network throttling) so the connection drops mid-way.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      /**
       * Chromium applies the network conditions of this DevTools session, which carries the throttling, over
       * those context.setOffline sets through Playwright's own session: the connection goes down (and comes
       * back) in both, so requests fail and navigator.onLine and its events follow.
       */
      const connection = async (online: boolean) => {
        if (!online) await context.setOffline(true);
        await cdp.send('Network.emulateNetworkConditions', {
          offline: !online,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput: 3 * MIB,
        });
        if (online) await context.setOffline(false);
      };
      await connection(true);
      await page.getByTestId('file-input').setInputFiles([offlineFiles.bundle, offlineFiles.signature]);
      await page.getByTestId('picked-signature').getByText(basename(offlineFiles.signature), { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Upload and verify' }).click();
      await page.locator('[data-phase=uploading]').waitFor({ timeout: 30_000 });
      const percent = async () => Number((await page.getByTestId('upload-percent').textContent())?.replace('%', ''));
      await until(async () => (await percent()) >= 10);
      const { uploadId } = JSON.parse(
        (await page.evaluate<string | null>('localStorage.getItem("extplat.upload.pending")')) ?? '{}',
      ) as { uploadId: string };
      expect(uploadId).toEqual(expect.any(String));

      await connection(false);
      await page.locator('[data-phase=offline]').waitFor();
      await expect(page.getByTestId('upload-phase').textContent()).resolves.toContain('Connection lost');
      await page
        .getByRole('status')
        .getByText('Connection lost: the upload continues by itself when the connection is back.')
        .waitFor();
      // No speed or time left is claimed while nothing can move.
      await expect(page.getByTestId('upload-stats').textContent()).resolves.not.toMatch(/\/s|left/);
      const stalledAt = await percent();
      expect(stalledAt).toBeLessThan(100);
      await screenshot(page, '17-offline-paused');
      // Nothing moves while offline: the upload waits rather than failing.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(page.locator('[data-phase=offline]').count()).resolves.toBe(1);
      expect(await percent()).toBeLessThanOrEqual(stalledAt);
      const onServer = await stack.api.request<{ receivedBytes: number }>(
        'GET',
        `/api/ext-bundles/uploads/${uploadId}`,
      );
      expect(onServer.body.receivedBytes).toBeLessThan(offlineBundle.bytes.length);

      await connection(true);
      await page.getByTestId('verification-summary').waitFor({ timeout: 90_000 });
      await expect(page.getByTestId('summary-hash').textContent()).resolves.toBe(offlineBundle.contentHash);
      await expect(page.getByTestId('verification-summary').textContent()).resolves.toContain(
        'is verified and registered',
      );
      await screenshot(page, '18-offline-resumed');
      await expect(page.evaluate('localStorage.getItem("extplat.upload.pending")')).resolves.toBeNull();
      const versions = await stack.api.request<{ items: { version: string; contentHash: string }[] }>(
        'GET',
        '/api/extensions/com.example.offline-proof/versions',
      );
      expect(versions.body.items).toEqual([expect.objectContaining({ contentHash: offlineBundle.contentHash })]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
