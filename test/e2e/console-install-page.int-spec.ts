import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { makeBundle } from '../../apps/api/test/api-harness.js';
import { publish, type Stack, tenantUser } from '../../apps/api/test/stack-harness.js';
import { ensureConsoleBuilt, launchChromium, screenshot, signIn, startConsoleStack, until } from './console-harness.js';

// Each step drives a real browser against the real stack: give it room beyond jest's 5 s default.
jest.setTimeout(120_000);

const EXTENSION = 'com.example.beacon';
const TITLE = 'Beacon';
const BASE_CAPABILITIES = ['cap:log.emit', 'cap:context.read', 'cap:secrets.get'];
const ADDED_ORIGIN = 'https://api.beacon.example.com';
const SECRET_VALUE = 'do-not-show-me-7f3a';
/** 2.0.0 declares its secrets; 1.0.0 declares none, so its page keeps the free-text name. */
const DECLARED_SECRETS = [
  { name: 'beacon-token', title: 'Beacon token', description: 'Issued by the Beacon console.', required: true },
  { name: 'region', title: 'Region key', description: 'Only for EU hosting.' },
];

/**
 * A schema with what the form must handle: title/description, a default, an enum, a nested object. Its
 * property order is not jsonb's (mode, retries, endpoint, greeting): the form must keep the author's.
 */
const CONFIG_SCHEMA = {
  type: 'object',
  title: 'Beacon settings',
  properties: {
    greeting: { type: 'string', title: 'Greeting', description: 'Shown above every answer.', default: 'Hello' },
    retries: { type: 'integer', title: 'Retries', minimum: 0, maximum: 5 },
    mode: { type: 'string', title: 'Mode', enum: ['fast', 'safe'] },
    endpoint: {
      type: 'object',
      title: 'Endpoint',
      properties: {
        url: { type: 'string', title: 'Endpoint URL' },
        timeoutSeconds: { type: 'integer', title: 'Timeout in seconds', maximum: 60 },
      },
    },
  },
  required: ['greeting'],
  additionalProperties: false,
};

interface InstallView {
  id: string;
  version: string;
  enabled: boolean;
  config: Record<string, unknown>;
  capabilities: { granted: string[] };
  egress: { granted: string[] };
  secrets: { name: string }[];
  missingSecrets: string[];
}

// Strings, not functions: the tests compile without the DOM library.
const noHorizontalOverflow = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
const focusedText = (page: Page) =>
  page.evaluate<string>("document.activeElement ? document.activeElement.textContent.trim() : ''");

/**
 * The per-install page in real Chromium against the real stack, at a desktop and a phone width: config
 * form (with an API validation error landing on its fields), a secret, upgrade with approval, roll back,
 * disable, and uninstall through the confirmation dialog by keyboard alone.
 */
describe('per-install page', () => {
  let stack: Stack;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    // Packed and signed before the stack starts: its API runs in this process, and a long synchronous pack
    // between two requests outlasts Node's 5 s keep-alive, so the next request would race the socket's close.
    const bundles = ['1.0.0', '2.0.0'].map((version) => {
      const upgrade = version === '2.0.0';
      return makeBundle({
        manifest: {
          name: EXTENSION,
          displayName: TITLE,
          version,
          capabilities: upgrade ? [...BASE_CAPABILITIES, 'cap:http.fetch'] : BASE_CAPABILITIES,
          egress: upgrade ? [ADDED_ORIGIN] : [],
          config: CONFIG_SCHEMA,
          ...(upgrade ? { secrets: DECLARED_SECRETS } : {}),
        },
      });
    });
    const distDir = await ensureConsoleBuilt();
    stack = await startConsoleStack(distDir);
    base = stack.api.base;
    for (const bundle of bundles) await publish(stack.api, bundle);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  // A tenant of its own per width: each run goes from install to uninstall.
  describe.each([
    { width: 1280, height: 900, slug: 'wide' },
    { width: 390, height: 844, slug: 'phone' },
  ])('at $width px', ({ width, height, slug }) => {
    let page: Page;
    let tenant: { tenantId: string; email: string };
    let installId: string;

    const installNow = async (): Promise<{ status: number; body: InstallView }> =>
      stack.api.request<InstallView>('GET', `/api/installs/${installId}`);
    const shot = (name: string) => screenshot(page, `install-page-${slug}-${name}`);

    beforeAll(async () => {
      const user = await tenantUser(stack.api, `beacon-${slug}`, 'tenant-admin');
      tenant = user;
      const installed = await stack.api.request<{ id: string }>('POST', '/api/installs', {
        json: {
          extensionId: EXTENSION,
          version: '1.0.0',
          tenantId: tenant.tenantId,
          grant: { capabilities: BASE_CAPABILITIES, egress: [] },
          config: { greeting: 'Hello' },
          enabled: true,
        },
      });
      expect({ status: installed.status, body: installed.body }).toMatchObject({ status: 201 });
      installId = installed.body.id;
      const context = await browser.newContext({ viewport: { width, height } });
      page = await context.newPage();
      await signIn(page, base, user.email, user.password);
    }, 60_000);

    it('is reached from the extension page and explains what the install may do', async () => {
      await page.goto(`${base}/extensions/${EXTENSION}`);
      await page.getByRole('link', { name: 'Manage this install' }).click();
      await page.waitForURL(`${base}/installs/${installId}`);
      await page.getByRole('heading', { name: `${TITLE} 1.0.0` }).waitFor();
      await expect(page.getByTestId('install-enabled').textContent()).resolves.toContain('enabled');

      const grants = page.getByTestId('grants');
      await expect(grants.getByRole('checkbox').count()).resolves.toBe(3);
      const secrets = grants.locator('li').filter({ hasText: 'Read the secrets you set' });
      await expect(secrets.textContent()).resolves.toContain('high risk');
      await expect(secrets.getByRole('checkbox').isChecked()).resolves.toBe(true);
      await expect(noHorizontalOverflow(page)).resolves.toBe(true);
      await shot('1-overview');
    });

    it('saves the config form, and puts the API validation errors on their fields', async () => {
      // Labels from the titles, help from the description, the default and the enum as a select.
      const greeting = page.getByLabel('Greeting (required)');
      await until(async () => (await greeting.inputValue()) === 'Hello');
      await page.getByText('Shown above every answer.').waitFor();
      await expect(page.getByLabel('Mode').locator('option').allTextContents()).resolves.toEqual([
        '(not set)',
        'fast',
        'safe',
      ]);
      await page.getByRole('group', { name: 'Endpoint' }).waitFor();
      // In the order the manifest lists the properties, nested ones included.
      const labels = await page.locator('app-config-form label, app-config-form legend').allTextContents();
      const order = ['Greeting (required)', 'Retries', 'Mode', 'Endpoint', 'Endpoint URL', 'Timeout in seconds'];
      expect(labels.map((label) => label.trim()).filter((label) => order.includes(label))).toEqual(order);

      await greeting.fill('Good morning');
      await page.getByLabel('Retries').fill('3');
      await page.getByLabel('Mode').selectOption('safe');
      await page.getByLabel('Endpoint URL').fill('https://beacon.example.com/hook');
      await page.getByRole('button', { name: 'Save configuration' }).click();
      await page.getByRole('status').getByText('Configuration saved.').waitFor();
      await expect(installNow().then((answer) => answer.body.config)).resolves.toEqual({
        greeting: 'Good morning',
        retries: 3,
        mode: 'safe',
        endpoint: { url: 'https://beacon.example.com/hook' },
      });

      // The raw JSON is not checked in the browser: the API refuses it, and its issues land on the fields.
      await page.getByRole('button', { name: 'JSON (advanced)' }).click();
      await page
        .getByLabel('Configuration as JSON')
        .fill(JSON.stringify({ greeting: 'Hi', retries: 9, endpoint: { timeoutSeconds: 600 } }));
      await page.getByRole('button', { name: 'Save configuration' }).click();
      const retries = page.getByLabel('Retries');
      await until(async () => (await retries.getAttribute('aria-invalid')) === 'true');
      const retriesError = page.locator(`#${await retries.getAttribute('id')}-error`);
      await expect(retriesError.textContent()).resolves.toContain('must be <= 5');
      const timeout = page.getByLabel('Timeout in seconds');
      await expect(timeout.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(page.locator(`#${await timeout.getAttribute('id')}-error`).textContent()).resolves.toContain(
        'must be <= 60',
      );
      await page.getByRole('alert').filter({ hasText: 'Invalid configuration' }).waitFor();
      await expect(noHorizontalOverflow(page)).resolves.toBe(true);
      await shot('2-config-errors');
      expect((await installNow()).body.config).toMatchObject({ greeting: 'Good morning', retries: 3 });

      // Editing a field clears its server message; the corrected config saves.
      await retries.fill('2');
      await timeout.fill('30');
      await until(async () => (await retries.getAttribute('aria-invalid')) === null);
      await page.getByRole('button', { name: 'Save configuration' }).click();
      await page.getByRole('status').getByText('Configuration saved.').waitFor();
      expect((await installNow()).body.config).toEqual({
        greeting: 'Hi',
        retries: 2,
        endpoint: { timeoutSeconds: 30 },
      });
    });

    it('sets, replaces and deletes a secret without ever showing its value', async () => {
      await page.getByLabel('Name', { exact: true }).fill('API_TOKEN');
      await page.getByLabel('Value', { exact: true }).fill(SECRET_VALUE);
      await page.getByRole('button', { name: 'Set secret' }).click();
      await page.getByRole('status').getByText('Secret API_TOKEN set.').waitFor();
      const listed = page.getByTestId('secrets').locator('li').filter({ hasText: 'API_TOKEN' });
      await expect(listed.locator('.badge').textContent()).resolves.toContain('set');
      await expect(page.getByLabel('Value', { exact: true }).inputValue()).resolves.toBe('');
      await expect(page.content()).resolves.not.toContain(SECRET_VALUE);
      expect((await installNow()).body.secrets.map((secret) => secret.name)).toEqual(['API_TOKEN']);

      // Replace: the name is taken over, the value typed again; delete removes it.
      await listed.getByRole('button', { name: 'Replace API_TOKEN' }).click();
      // The page renders the name on its next change detection, after the click has returned.
      await until(async () => (await page.getByLabel('Name', { exact: true }).inputValue()) === 'API_TOKEN');
      await expect(page.evaluate<string>('document.activeElement.id')).resolves.toBe('secret-value');
      await page.keyboard.type(`${SECRET_VALUE}-2`);
      await page.getByRole('button', { name: 'Replace secret' }).click();
      await page.getByRole('status').getByText('Secret API_TOKEN replaced.').waitFor();
      await listed.getByRole('button', { name: 'Delete API_TOKEN' }).click();
      // Confirmed in a dialog that starts on Cancel.
      await page.getByRole('alertdialog').getByRole('button', { name: 'Delete secret' }).click();
      await page.getByRole('status').getByText('Secret API_TOKEN deleted.').waitFor();
      await page.getByTestId('secrets').getByText('No secret is set.').waitFor();
      expect((await installNow()).body.secrets).toEqual([]);
    });

    it('upgrades only with the additions approved, then rolls back', async () => {
      await page.getByRole('button', { name: 'Upgrade to 2.0.0' }).click();
      const diff = page.getByTestId('version-diff');
      await diff.waitFor();
      await diff.getByText('Send HTTP requests to the internet').waitFor();
      await diff.getByText('Send requests to api.beacon.example.com').waitFor();
      // Nothing is pre-granted.
      const boxes = diff.getByRole('checkbox');
      await expect(boxes.count()).resolves.toBe(2);
      for (const box of await boxes.all()) await expect(box.isChecked()).resolves.toBe(false);
      await expect(diff.getByTestId('diff-missing-secrets').textContent()).resolves.toContain(
        '2.0.0 requires secrets that are not set: beacon-token.',
      );
      await expect(noHorizontalOverflow(page)).resolves.toBe(true);
      await shot('3-upgrade-diff');
      await diff.getByRole('button', { name: 'Grant everything 2.0.0 requests and switch' }).click();
      await page.getByRole('status').getByText('Now on version 2.0.0.').waitFor();
      const upgraded = (await installNow()).body;
      expect(upgraded.version).toBe('2.0.0');
      expect([...upgraded.capabilities.granted].sort()).toEqual([...BASE_CAPABILITIES, 'cap:http.fetch'].sort());
      expect(upgraded.egress.granted).toEqual([ADDED_ORIGIN]);

      // 2.0.0 declares its secrets: listed with title and description, the required one marked until set.
      const declared = page.getByTestId('secrets');
      const token = declared.locator('li[data-secret="beacon-token"]');
      await token.getByText('Beacon token').waitFor();
      await token.getByText('Issued by the Beacon console.').waitFor();
      await expect(token.locator('.badge').textContent()).resolves.toContain('required, not set');
      await expect(declared.locator('li[data-secret="region"] .badge').textContent()).resolves.toContain(
        'optional, not set',
      );
      await page
        .getByTestId('missing-secrets')
        .getByText(/Required and not set: beacon-token/)
        .waitFor();
      await expect(page.locator('input#secret-name').count()).resolves.toBe(0);
      await expect(noHorizontalOverflow(page)).resolves.toBe(true);
      await shot('3b-declared-secrets');
      await token.getByRole('button', { name: 'Set beacon-token' }).click();
      await until(async () => (await page.getByLabel('Name', { exact: true }).inputValue()) === 'beacon-token');
      await expect(page.evaluate<string>('document.activeElement.id')).resolves.toBe('secret-value');
      await page.keyboard.type(SECRET_VALUE);
      await page.getByRole('button', { name: 'Set secret' }).click();
      await page.getByRole('status').getByText('Secret beacon-token set.').waitFor();
      await expect(token.locator('.badge').textContent()).resolves.toBe('set');
      await page.getByTestId('missing-secrets').waitFor({ state: 'detached' });
      await expect(page.content()).resolves.not.toContain(SECRET_VALUE);
      expect((await installNow()).body.missingSecrets).toEqual([]);

      await page.getByRole('button', { name: 'Roll back to 1.0.0' }).click();
      await diff.getByText('1.0.0 asks for nothing beyond what is granted now.').waitFor();
      await diff.getByRole('button', { name: 'Switch to 1.0.0' }).click();
      await page.getByRole('status').getByText('Now on version 1.0.0.').waitFor();
      const rolledBack = (await installNow()).body;
      expect(rolledBack.version).toBe('1.0.0');
      expect(rolledBack.egress.granted).toEqual([]);
    });

    it('disables, and lists the history in words with who did it', async () => {
      await page.getByRole('button', { name: 'Disable' }).click();
      await page
        .getByRole('status')
        .getByText(/^Disabled/)
        .waitFor();
      await expect(page.getByTestId('install-enabled').textContent()).resolves.toContain('disabled');
      expect((await installNow()).body.enabled).toBe(false);

      const history = page.getByTestId('install-audit');
      await history.getByText('Disabled', { exact: true }).waitFor();
      await history.getByText('Version changed: from 2.0.0 to 1.0.0').waitFor();
      await history.getByText('Secret set: API_TOKEN').first().waitFor();
      await history.getByText('Secret deleted: API_TOKEN').waitFor();
      await history.getByText('Configuration changed').first().waitFor();
      await expect(history.textContent()).resolves.toContain(`by ${tenant.email}`);
      await expect(history.textContent()).resolves.not.toContain(installId);
      await shot('4-history');
    });

    it('uninstalls through the dialog by keyboard alone', async () => {
      const open = page.getByRole('button', { name: `Uninstall ${TITLE}…` });
      await open.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: `Uninstall ${TITLE}?` });
      await dialog.waitFor();
      const focused = () => page.evaluate<string>("document.activeElement ? document.activeElement.id : ''");
      await until(async () => (await focused()) === 'uninstall-name');
      await expect(noHorizontalOverflow(page)).resolves.toBe(true);

      // Escape keeps the install and gives the focus back.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await until(async () => (await focusedText(page)) === `Uninstall ${TITLE}…`);
      expect((await installNow()).status).toBe(200);

      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await until(async () => (await focused()) === 'uninstall-name');
      const confirm = dialog.getByRole('button', { name: 'Uninstall' });
      await page.keyboard.type('com.example');
      await expect(confirm.isDisabled()).resolves.toBe(true);
      await page.keyboard.type('.beacon');
      await until(() => confirm.isEnabled());
      await shot('5-uninstall-dialog');
      await page.keyboard.press('Tab');
      await expect(focusedText(page)).resolves.toBe('Uninstall');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/extensions/${EXTENSION}`);
      await page.getByText('Not installed for this tenant.').waitFor();
      expect((await installNow()).status).toBe(404);
    });
  });
});
