import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Request, Response } from 'playwright-core';
import { describeCapability, describeEgressOrigin } from '@extplat/contracts';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../apps/api/test/api-harness.js';
import { extctl, publish, type Stack, templateBundle } from '../../apps/api/test/stack-harness.js';
import {
  ensureConsoleBuilt,
  fitsWidth,
  focused,
  launchChromium,
  openFromMenu,
  pickBundleFiles,
  SCREENS,
  screenshot,
  signIn,
  startConsoleStack,
  until,
} from './console-harness.js';

// One story of many steps, each in a real browser against the real stack on a loaded machine.
jest.setTimeout(300_000);

const EXTENSION = 'com.example.status-board';
const TITLE = 'Status Board';
const CAPABILITIES = ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'];
/** What 0.2.0 asks for beyond 0.1.0: one more capability and an origin to call. */
const ADDED_CAPABILITY = 'cap:storage.kv';
const ADDED_ORIGIN = 'https://status.example.com';
const GREETING = 'Good morning';
const SECRET_VALUE = 'journey-secret-value-5d1e';
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 390, height: 844 };

/** The template's config schema, with what the form must handle: a title, a default, an enum, bounds. */
const CONFIG_SCHEMA = {
  type: 'object',
  title: 'Status Board settings',
  properties: {
    greeting: {
      type: 'string',
      title: 'Greeting',
      description: 'The board greets you with it.',
      maxLength: 100,
      default: 'Hello',
    },
    mode: { type: 'string', title: 'Layout', enum: ['compact', 'detailed'] },
    retries: { type: 'integer', title: 'Retries', minimum: 0, maximum: 5 },
    upstreamUrl: { type: 'string', title: 'Upstream URL', maxLength: 2000 },
  },
  additionalProperties: false,
};

/**
 * Issue 13's "done when", as one story in real Chromium through the console alone: a platform admin creates a
 * tenant and its first admin and uploads version 0.1.0 of the template extension in the wizard (0.2.0 is
 * published through the API, as a CI pipeline would); that tenant admin signs in, installs 0.1.0 granting each
 * capability by hand, fills the config form, sets a secret, opens the extension (whose handler greets with the
 * configured text), upgrades to 0.2.0 approving what it adds, rolls back and uninstalls by keyboard. The API is
 * read only to check what the console did. Each step at 1280 px; the key screens at 390 px too; no page ever
 * scrolls sideways. Screenshots: .tmp/screens/journey-*.png.
 */
describe('console journey: from a new tenant to an uninstalled extension', () => {
  const work = mkdtempSync(join(tmpdir(), 'extplat-journey-'));
  let stack: Stack;
  let base: string;
  let browser: Browser;
  let v1: { bundle: string; signature: string };
  const tenantAdmin = { email: 'owner@journey.test', password: 'journey admin password' };
  let tenantId: string;

  /** Checks the page fits at the width it is shown at and saves it as journey-<name>. */
  const step = async (page: Page, name: string): Promise<void> => {
    await expect(fitsWidth(page)).resolves.toBe(true);
    await screenshot(page, `journey-${name}`, SCREENS);
  };
  /** A key screen: the same checks at 1280 px and at 390 px, then back to 1280 px. */
  const keyScreen = async (page: Page, name: string): Promise<void> => {
    await step(page, `${name}-1280`);
    await page.setViewportSize(NARROW);
    await step(page, `${name}-390`);
    await page.setViewportSize(WIDE);
  };

  beforeAll(async () => {
    const [distDir, project] = await Promise.all([
      ensureConsoleBuilt(),
      // The extension as `extctl init` makes it, with a richer config schema; built once, packed twice.
      templateBundle(work, 'status-board', (dir) => {
        const path = join(dir, 'manifest.json');
        const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        writeFileSync(path, JSON.stringify({ ...manifest, config: CONFIG_SCHEMA }, null, 2));
      }),
    ]);
    v1 = { bundle: project.bundle, signature: project.signature };

    // 0.2.0: the same component, a manifest asking for more.
    const manifestPath = join(project.project, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      manifestPath,
      JSON.stringify(
        { ...manifest, version: '0.2.0', capabilities: [...CAPABILITIES, ADDED_CAPABILITY], egress: [ADDED_ORIGIN] },
        null,
        2,
      ),
    );
    await extctl(project.project, 'pack', '.', '-o', 'bundle-2.tar.zst');
    await extctl(
      project.project,
      'sign',
      'bundle-2.tar.zst',
      '--key',
      join(work, 'status-board.key'),
      '--cert',
      join(work, 'status-board.pem'),
    );

    // The first call is a cold start of the component (fetch, verify, unpack, transpile): give it room.
    stack = await startConsoleStack(distDir, { apiEnv: { EXT_GATEWAY_TIMEOUT_MS: '60000' } });
    base = stack.api.base;
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('1. a platform admin creates the tenant and its first admin, and uploads 0.1.0 in the wizard', async () => {
    const context = await browser.newContext({ viewport: WIDE });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in/);
    await keyScreen(page, '01-sign-in');
    await signIn(page, base, ADMIN_EMAIL, ADMIN_PASSWORD);

    await openFromMenu(page, 'Tenants');
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.getByLabel('Slug').fill('journey');
    await page.getByLabel('Name', { exact: true }).fill('Journey Co');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const created = page.getByTestId('tenant-created');
    await created.getByText('Journey Co was created').waitFor();
    await page.getByTestId('tenant-table').getByRole('row').filter({ hasText: 'journey' }).waitFor();
    await keyScreen(page, '02-tenant-created');

    await created.getByRole('link', { name: 'Create its first admin' }).click();
    await page.getByRole('heading', { name: 'First admin of Journey Co' }).waitFor();
    await expect(page.locator('#user-role').inputValue()).resolves.toBe('tenant-admin');
    // The tenant picker names the new tenant; its id comes from the API, to check what is left at the end.
    await until(async () => (await page.locator('#user-tenant').inputValue()).includes('Journey Co'));
    const tenants = await stack.api.request<{ items: { id: string; slug: string }[] }>('GET', '/api/tenants?q=journey');
    tenantId = tenants.body.items.find((tenant) => tenant.slug === 'journey')?.id ?? '';
    expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);
    await page.locator('#user-email').fill(tenantAdmin.email);
    await page.locator('#user-password').fill(tenantAdmin.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByTestId('user-notice').getByText(`Created ${tenantAdmin.email} (tenant-admin).`).waitFor();
    await page.locator(`tr[data-email="${tenantAdmin.email}"]`).waitFor();
    await keyScreen(page, '03-first-admin');

    await openFromMenu(page, 'Install');
    await page.getByRole('heading', { name: /Install an extension/ }).waitFor();
    await pickBundleFiles(page, v1);
    await page.getByRole('button', { name: 'Upload and verify' }).click();
    const summary = page.getByTestId('verification-summary');
    await summary.waitFor({ timeout: 60_000 });
    await expect(summary.textContent()).resolves.toContain('is verified and registered');
    await keyScreen(page, '04-uploaded');
    await context.close();

    // The second version comes the way a release pipeline would publish it.
    await publish(stack.api, {
      bytes: readFileSync(join(work, 'status-board/bundle-2.tar.zst')),
      contentHash: (
        JSON.parse(readFileSync(join(work, 'status-board/bundle-2.tar.zst.sig'), 'utf8')) as { digest: string }
      ).digest,
      signature: readFileSync(join(work, 'status-board/bundle-2.tar.zst.sig'), 'utf8'),
    });
    const versions = await stack.api.request<{ items: { version: string }[] }>(
      'GET',
      `/api/extensions/${EXTENSION}/versions`,
    );
    expect(versions.body.items.map((version) => version.version).sort()).toEqual(['0.1.0', '0.2.0']);
  });

  describe('2-9. the tenant admin, in a browser of their own', () => {
    let page: Page;
    let installId: string;
    const install = async () =>
      (
        await stack.api.request<{
          version: string;
          config: Record<string, unknown>;
          capabilities: { granted: string[] };
          egress: { granted: string[] };
          secrets: { name: string }[];
        }>('GET', `/api/installs/${installId}`)
      ).body;

    beforeAll(async () => {
      const context = await browser.newContext({ viewport: WIDE });
      page = await context.newPage();
    });

    it('2. signs in and installs 0.1.0, granting each capability explicitly', async () => {
      await signIn(page, base, tenantAdmin.email, tenantAdmin.password);
      await page.getByRole('link', { name: TITLE }).first().click();
      await page.waitForURL(`${base}/extensions/${EXTENSION}`);
      await page.getByText('Not installed for this tenant.').waitFor();
      await keyScreen(page, '05-extension');

      await page.locator('tr[data-version="0.1.0"]').getByRole('button', { name: 'Install' }).click();
      const form = page.locator('app-install-form');
      const summary = form.getByTestId('grant-summary');
      await summary.getByText('Nothing granted yet: this version requests 4 permissions.').waitFor();
      // Each capability says what it is and how risky, from the one catalog the API's consumers share.
      for (const capability of CAPABILITIES) {
        const { title, risk } = describeCapability(capability);
        const item = form.locator('label.grant').filter({ hasText: capability });
        await expect(item.locator('.grant-title strong').textContent()).resolves.toBe(title);
        await expect(item.locator('.badge').textContent()).resolves.toBe(`${risk} risk`);
        await expect(item.getByRole('checkbox').isChecked()).resolves.toBe(false);
      }
      await keyScreen(page, '06-install-grants');
      for (const capability of CAPABILITIES) {
        await form.locator('label.grant').filter({ hasText: capability }).getByRole('checkbox').check();
      }
      await summary.getByText('4 of 4 requested permissions granted.').waitFor();
      await form.getByRole('button', { name: 'Install', exact: true }).click();
      await page.getByRole('status').getByText('Installed 0.1.0 and enabled.').waitFor();
      await page.getByTestId('install-state').getByText('0.1.0', { exact: true }).waitFor();

      await page.getByRole('link', { name: 'Manage this install' }).click();
      await page.waitForURL(/\/installs\/[0-9a-f-]{36}$/);
      installId = page.url().split('/').pop()!;
      await page.getByRole('heading', { name: `${TITLE} 0.1.0` }).waitFor();
      expect([...(await install()).capabilities.granted].sort()).toEqual([...CAPABILITIES].sort());
    });

    it('3. fills the config form: a default, a select from an enum, an error where the API puts it, a save', async () => {
      const greeting = page.getByLabel('Greeting', { exact: true });
      await until(async () => (await greeting.inputValue()) === 'Hello');
      await page.getByText('The board greets you with it.').waitFor();
      const layout = page.getByLabel('Layout');
      await expect(layout.locator('option').allTextContents()).resolves.toEqual(['(not set)', 'compact', 'detailed']);
      // The fields come in the author's order, not jsonb's (which would put Layout and Retries first).
      const labels = await page.locator('form.config-form label').allTextContents();
      expect(labels.map((label) => label.replace(/[*\s]+$/, '').trim())).toEqual([
        'Greeting',
        'Layout',
        'Retries',
        'Upstream URL',
      ]);

      await greeting.fill(GREETING);
      await layout.selectOption('detailed');
      const retries = page.getByLabel('Retries');
      await retries.fill('9');
      await retries.press('Tab');
      // The form checks the schema's bound as the field is left, and does not send what it knows is wrong.
      const retriesError = page.locator(`#${await retries.getAttribute('id')}-error`);
      await until(async () => (await retries.getAttribute('aria-invalid')) === 'true');
      const inline = (await retriesError.textContent())?.trim();
      expect(inline).toBe('must be <= 5');
      let sends = 0;
      const countSends = (request: Request) => {
        if (request.method() === 'PUT' && request.url().endsWith('/config')) sends += 1;
      };
      page.on('request', countSends);
      await page.getByRole('button', { name: 'Save configuration' }).click();
      await keyScreen(page, '07-config-inline-error');
      page.off('request', countSends);
      expect(sends).toBe(0);

      // The API, sent the same config as JSON, refuses it at the same path with the same words.
      await page.getByRole('button', { name: 'JSON (advanced)' }).click();
      const sent = JSON.parse(await page.getByLabel('Configuration as JSON').inputValue()) as Record<string, unknown>;
      expect(sent).toEqual({ greeting: GREETING, mode: 'detailed', retries: 9 });
      const refusal = page.waitForResponse(
        (response: Response) => response.request().method() === 'PUT' && response.url().endsWith('/config'),
      );
      await page.getByRole('button', { name: 'Save configuration' }).click();
      const refused = (await (await refusal).json()) as {
        error: { code: string; details: { issues: { path: string; message: string }[] } };
      };
      expect(refused.error.code).toBe('INVALID_CONFIG');
      expect(refused.error.details.issues).toEqual([expect.objectContaining({ path: 'retries', message: inline })]);
      await until(async () => (await page.getByLabel('Retries').getAttribute('aria-invalid')) === 'true');
      await expect(
        page.locator(`#${await page.getByLabel('Retries').getAttribute('id')}-error`).textContent(),
      ).resolves.toContain(inline);
      expect((await install()).config).not.toHaveProperty('retries');

      await page.getByLabel('Retries').fill('2');
      await until(async () => (await page.getByLabel('Retries').getAttribute('aria-invalid')) === null);
      await page.getByRole('button', { name: 'Save configuration' }).click();
      await page.getByRole('status').getByText('Configuration saved.').waitFor();
      expect((await install()).config).toEqual({ greeting: GREETING, mode: 'detailed', retries: 2 });
      await step(page, '08-config-saved-1280');
    });

    it('4. sets the secret the version declares, which is never shown back', async () => {
      // The template declares api-token: the page lists it by title and offers it, not a free-text name.
      const declared = page.getByTestId('secrets').locator('li[data-secret="api-token"]');
      await declared.getByText('API token').waitFor();
      await declared.getByText('optional, not set').waitFor();
      await page.getByRole('button', { name: 'Set api-token' }).click();
      await until(async () => (await page.getByLabel('Name', { exact: true }).inputValue()) === 'api-token');
      await page.getByLabel('Value', { exact: true }).fill(SECRET_VALUE);
      await page.getByRole('button', { name: 'Set secret' }).click();
      await page.getByRole('status').getByText('Secret api-token set.').waitFor();
      await page.getByTestId('secrets').locator('li').filter({ hasText: 'api-token' }).waitFor();
      await expect(page.getByLabel('Value', { exact: true }).inputValue()).resolves.toBe('');
      await expect(page.content()).resolves.not.toContain(SECRET_VALUE);
      await page.reload();
      await page.getByTestId('secrets').locator('li').filter({ hasText: 'api-token' }).waitFor();
      await expect(page.content()).resolves.not.toContain(SECRET_VALUE);
      expect((await install()).secrets.map((secret) => secret.name)).toEqual(['api-token']);
      await keyScreen(page, '09-secret-set');
    });

    it('5. opens the extension: its UI shows what its handler answers with the saved config', async () => {
      await page.getByRole('link', { name: 'Open it' }).click();
      await page.waitForURL(`${base}/apps/${EXTENSION}`);
      const frame = page.frameLocator('[data-testid=extension-frame]');
      // The greeting comes from the Runner's handler reading the install's config, not from the page.
      await frame.getByText(`${GREETING} from ${TITLE}`).waitFor({ timeout: 90_000 });
      await expect(frame.locator('#status').textContent()).resolves.toContain('version 0.1.0');
      await keyScreen(page, '10-extension-open');
      await page.goBack();
      await page.getByRole('heading', { name: `${TITLE} 0.1.0` }).waitFor();
    }, 180_000);

    it('6. upgrades to 0.2.0 after approving each thing it adds', async () => {
      await page.getByRole('button', { name: 'Upgrade to 0.2.0' }).click();
      const diff = page.getByTestId('version-diff');
      await diff.getByRole('heading', { name: /Upgrade from 0\.1\.0 to\s+0\.2\.0/ }).waitFor();
      const additions = [describeCapability(ADDED_CAPABILITY).title, describeEgressOrigin(ADDED_ORIGIN).title];
      const boxes = diff.getByRole('checkbox');
      await expect(boxes.count()).resolves.toBe(2);
      for (const title of additions) {
        const box = diff.getByRole('checkbox', { name: title });
        await expect(box.isChecked()).resolves.toBe(false);
      }
      await keyScreen(page, '11-upgrade-diff');
      for (const title of additions) await diff.getByRole('checkbox', { name: title }).check();
      await diff.getByRole('button', { name: 'Switch to 0.2.0 with what is ticked' }).click();
      await page.getByRole('status').getByText('Now on version 0.2.0.').waitFor();
      await page.getByRole('heading', { name: `${TITLE} 0.2.0` }).waitFor();
      const upgraded = await install();
      expect(upgraded.version).toBe('0.2.0');
      expect([...upgraded.capabilities.granted].sort()).toEqual([...CAPABILITIES, ADDED_CAPABILITY].sort());
      expect(upgraded.egress.granted).toEqual([ADDED_ORIGIN]);
      expect(upgraded.config).toEqual({ greeting: GREETING, mode: 'detailed', retries: 2 });
    });

    it('7. rolls back to 0.1.0, dropping what only 0.2.0 asked for', async () => {
      await page.getByRole('button', { name: 'Roll back to 0.1.0' }).click();
      const diff = page.getByTestId('version-diff');
      await diff.getByText('0.1.0 asks for nothing beyond what is granted now.').waitFor();
      await diff.getByText(describeEgressOrigin(ADDED_ORIGIN).title).waitFor();
      await step(page, '12-rollback-diff-1280');
      await diff.getByRole('button', { name: 'Switch to 0.1.0' }).click();
      await page.getByRole('status').getByText('Now on version 0.1.0.').waitFor();
      await page.getByRole('heading', { name: `${TITLE} 0.1.0` }).waitFor();
      const rolledBack = await install();
      expect(rolledBack.version).toBe('0.1.0');
      expect([...rolledBack.capabilities.granted].sort()).toEqual([...CAPABILITIES].sort());
      expect(rolledBack.egress.granted).toEqual([]);
    });

    it('9. (on the way) lists the history in words, not event names', async () => {
      const history = page.getByTestId('install-audit');
      // Newest first, each a label from the console's catalog with the facts that matter.
      await history.getByText('Version changed: from 0.2.0 to 0.1.0', { exact: true }).waitFor();
      await expect(history.locator('li strong').allTextContents()).resolves.toEqual([
        'Version changed: from 0.2.0 to 0.1.0',
        'Version changed: from 0.1.0 to 0.2.0',
        'Secret set: api-token',
        'Configuration changed',
        'Installed: version 0.1.0',
      ]);
      const text = (await history.textContent()) ?? '';
      expect(text).toContain(`by ${tenantAdmin.email}`);
      expect(text).not.toMatch(/install\.|[0-9a-f]{8}-[0-9a-f]{4}-/);
      await keyScreen(page, '13-history');
    });

    it('8. uninstalls through the confirmation dialog with the keyboard alone', async () => {
      const open = page.getByRole('button', { name: `Uninstall ${TITLE}…` });
      await open.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: `Uninstall ${TITLE}?` });
      await dialog.waitFor();
      await until(async () => (await focused(page)) === 'uninstall-name');

      // Escape keeps the install and gives the focus back to the button that opened the dialog.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await until(async () => (await focused(page)) === `Uninstall ${TITLE}…`);

      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await until(async () => (await focused(page)) === 'uninstall-name');
      const confirm = dialog.getByRole('button', { name: 'Uninstall' });
      await page.keyboard.type(EXTENSION);
      await until(() => confirm.isEnabled());
      await keyScreen(page, '14-uninstall-dialog');
      // The focus stays in the dialog: Tab goes Uninstall → Cancel → back to the name field.
      await page.keyboard.press('Tab');
      await expect(focused(page)).resolves.toBe('Uninstall');
      await page.keyboard.press('Tab');
      await expect(focused(page)).resolves.toBe('Cancel');
      await page.keyboard.press('Tab');
      await expect(focused(page)).resolves.toBe('uninstall-name');
      await page.keyboard.press('Enter');

      await page.waitForURL(`${base}/extensions/${EXTENSION}`);
      await page.getByText('Not installed for this tenant.').waitFor();
      // The extension's own timeline names the call the UI made in step 5 in words, too.
      const timeline = page.getByTestId('audit-timeline');
      await timeline.locator('li[data-type="extension.call"] strong').first().getByText('Extension called').waitFor();
      expect((await timeline.textContent()) ?? '').not.toMatch(/install\.|[0-9a-f]{8}-[0-9a-f]{4}-/);
      await keyScreen(page, '15-uninstalled');
      expect((await stack.api.request('GET', `/api/installs/${installId}`)).status).toBe(404);
      const left = await stack.api.request<{ items: unknown[] }>('GET', `/api/installs?tenantId=${tenantId}`);
      expect(left.status).toBe(200);
      expect(left.body.items).toEqual([]);
    });
  });
});
