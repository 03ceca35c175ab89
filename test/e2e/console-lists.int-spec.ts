import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../apps/api/test/api-harness.js';
import type { Stack } from '../../apps/api/test/stack-harness.js';
import {
  ensureConsoleBuilt,
  expectNoHorizontalOverflow,
  launchChromium,
  screenshot,
  signIn,
  startConsoleStack,
  until,
  withDatabase,
} from './console-harness.js';

// Each step drives a real browser against the real stack: give it room beyond jest's 5 s default.
jest.setTimeout(180_000);

const WIDE = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const SCALE_TENANTS = 20_000;
const SCALE_KEYS = 2_100;
/** The keys belong to a tenant whose slug sorts after every seeded one, so it is never the first page. */
const KEY_TENANT = { slug: 'zz-key-holder', name: 'Key Holder Incorporated' };

/**
 * Tenants and API keys at scale, straight into the test database: tenants scale-00001 … scale-20000 named
 * "Scale Tenant 00001" …, and SCALE_KEYS member keys of KEY_TENANT named key-0001 … (key-0001 the oldest).
 * Columns as the migrations define them; prefixes unique and hashes well-formed, as the schema demands.
 */
async function seed(databaseUrl: string): Promise<void> {
  return withDatabase(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO tenants (slug, name, created_at)
       SELECT format('scale-%s', lpad(i::text, 5, '0')), format('Scale Tenant %s', lpad(i::text, 5, '0')),
              now() - make_interval(secs => $1::int - i)
         FROM generate_series(1, $1::int) AS i`,
      [SCALE_TENANTS],
    );
    const holder = await client.query<{ id: string }>(`INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id`, [
      KEY_TENANT.slug,
      KEY_TENANT.name,
    ]);
    const tenantId = holder.rows[0]!.id;
    const admin = await client.query<{ id: string }>(`SELECT id FROM users WHERE role = 'platform-admin' LIMIT 1`);
    await client.query(
      `INSERT INTO api_keys (tenant_id, role, name, prefix, secret_hash, created_by, created_at)
       SELECT $1::uuid, 'member', format('key-%s', lpad(i::text, 4, '0')), format('seed%s', lpad(i::text, 6, '0')),
              encode(sha256(convert_to('seed' || i, 'UTF8')), 'hex'), 'user:' || $2::text,
              now() - make_interval(secs => $3::int - i)
         FROM generate_series(1, $3::int) AS i`,
      [tenantId, admin.rows[0]!.id, SCALE_KEYS],
    );
  });
}

/**
 * The console's lists of tenants and API keys in real Chromium with 20,000 tenants and 2,100 keys: the
 * header's tenant picker searches the server and works from the keyboard alone, the key list reads on to
 * its last page, and nothing scrolls sideways at 1280 or 390 px.
 */
describe('admin console lists at scale end to end', () => {
  let stack: Stack;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const adminPage = async (viewport: typeof WIDE): Promise<Page> => {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, base, ADMIN_EMAIL, ADMIN_PASSWORD);
    return page;
  };

  /** Presses Tab until the element with `id` has the focus, as a keyboard user would reach it. */
  const tabTo = async (page: Page, id: string): Promise<void> => {
    for (let presses = 0; presses < 40; presses++) {
      if ((await page.evaluate<string>("document.activeElement?.id ?? ''")) === id) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached #${id}`);
  };

  beforeAll(async () => {
    const distDir = await ensureConsoleBuilt();
    stack = await startConsoleStack(distDir);
    base = stack.api.base;
    await seed(stack.api.database.url);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.close();
  });

  for (const viewport of [WIDE, PHONE]) {
    it(`picks one of 20,000 tenants by typing part of its name, keyboard only, at ${viewport.width} px`, async () => {
      const page = await adminPage(viewport);
      const listed: URL[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/api/tenants') listed.push(url);
      });
      const picker = page.locator('#tenant-picker');
      // The first tenant by slug is chosen for a new admin; no request asked for more than a page.
      await until(async () => (await picker.inputValue()) === 'Scale Tenant 00001');

      const menu = page.getByRole('button', { name: 'Menu' });
      if (await menu.isVisible()) {
        await menu.focus();
        await page.keyboard.press('Enter');
        await until(async () => (await menu.getAttribute('aria-expanded')) === 'true');
      }
      await tabTo(page, 'tenant-picker');
      const options = page.getByTestId('tenant-options').getByRole('option');
      // Focus opens the first page; typing narrows it on the server.
      await until(async () => (await options.count()) > 1);
      await expectNoHorizontalOverflow(page, `tenant picker open at ${viewport.width} px`);
      await page.keyboard.type('scale tenant 1987');
      await page.getByTestId('tenant-options').locator('[data-slug="scale-19870"]').waitFor();
      await until(async () => (await options.count()) === 10);
      expect(listed.at(-1)?.searchParams.get('q')).toBe('scale tenant 1987');

      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      const activeSlug = async () => {
        const active = await picker.getAttribute('aria-activedescendant');
        return active ? page.locator(`[id="${active}"]`).getAttribute('data-slug') : null;
      };
      await until(async () => (await activeSlug()) === 'scale-19872');
      await screenshot(page, `40-tenant-picker-${viewport.width}`);
      // Escape closes the list and keeps the choice; the arrow opens it again on the first page.
      await page.keyboard.press('Escape');
      await until(async () => (await picker.getAttribute('aria-expanded')) === 'false');
      await until(async () => (await picker.inputValue()) === 'Scale Tenant 00001');

      await page.keyboard.type('Scale Tenant 19876');
      await page.getByTestId('tenant-options').locator('[data-slug="scale-19876"]').waitFor();
      await until(async () => (await options.count()) === 1);
      await page.keyboard.press('Enter');
      await until(async () => (await picker.getAttribute('aria-expanded')) === 'false');
      await until(async () => (await picker.inputValue()) === 'Scale Tenant 19876');
      const stored = await page.evaluate<string | null>("localStorage.getItem('extplat.tenant')");
      const chosen = await stack.api.request<{ slug: string }>('GET', `/api/tenants/${stored}`);
      expect(chosen.body.slug).toBe('scale-19876');
      // Never the whole tenant table: one page per request.
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.every((url) => url.searchParams.get('limit') === '20')).toBe(true);
      expect(listed.length).toBeLessThan(20);
      await expectNoHorizontalOverflow(page, `header after picking at ${viewport.width} px`);
    });

    it(`reads 2,100 API keys on to the last page, and finds one by name, at ${viewport.width} px`, async () => {
      const page = await adminPage(viewport);
      const listed: URL[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/api/api-keys') listed.push(url);
      });
      await page.goto(`${base}/api-keys`);
      const count = page.getByTestId('api-key-count');
      const rows = page.getByTestId('api-key-table').locator('tr[data-key]');
      await count.getByText('Showing 50 keys (more below).').waitFor();
      // The tenant of each key by name: fetched once, not by listing 20,000 tenants.
      await page.locator('tr[data-key="key-2100"] td[data-label="Tenant"]', { hasText: KEY_TENANT.name }).waitFor();

      const total = await withDatabase(stack.api.database.url, async (client) =>
        Number((await client.query<{ count: string }>('SELECT count(*) FROM api_keys')).rows[0]!.count),
      );
      expect(total).toBeGreaterThanOrEqual(SCALE_KEYS);
      const more = page.getByRole('button', { name: 'Show more keys' });
      for (let shown = 50; shown < total;) {
        await more.click();
        shown = Math.min(shown + 50, total);
        await until(async () => (await rows.count()) === shown);
      }
      await expect(more.count()).resolves.toBe(0);
      // The oldest key, on the last page.
      await page.locator('tr[data-key="key-0001"]').waitFor();
      await count.getByText(`Showing ${total.toLocaleString('en')} keys.`).waitFor();
      expect(listed.length).toBe(Math.ceil(total / 50));
      expect(listed.every((url) => url.searchParams.get('limit') === '50')).toBe(true);
      await expectNoHorizontalOverflow(page, `2,100 API keys at ${viewport.width} px`);

      await page.getByLabel('Search').fill('KEY-123');
      await until(async () => (await rows.count()) === 10);
      await expect(rows.first().getAttribute('data-key')).resolves.toBe('key-1239');
      expect(listed.at(-1)?.searchParams.get('q')).toBe('KEY-123');
      await count.getByText('Showing 10 keys.').waitFor();
      await screenshot(page, `41-api-keys-${viewport.width}`);
    });
  }
});
