import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import pg from 'pg';
import { ADMIN_EMAIL, ADMIN_PASSWORD, makeBundle } from '../../apps/api/test/api-harness.js';
import { publish, type Stack, tenantUser } from '../../apps/api/test/stack-harness.js';
import {
  ensureConsoleBuilt,
  expectNoHorizontalOverflow,
  launchChromium,
  screenshot,
  signIn,
  startConsoleStack,
  until,
} from './console-harness.js';

// Each step drives a real browser against the real stack: give it room beyond jest's 5 s default.
jest.setTimeout(90_000);

const WIDE = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const SCALE_EXTENSIONS = 20_000;
/** One seeded extension has this many versions; the others have five each (≈ 100,000 versions in all). */
const LONG_HISTORY = 120;
const LONG_NAME = 'Acme Intergalactic Logistics and Interplanetary Freight Holdings';
const APPS = [
  { name: 'com.example.ticket-desk', displayName: 'Customer ticket desk' },
  { name: 'com.example.field-planner', displayName: 'Field service planner' },
];

/**
 * The registry at scale, straight into the test database (the upload path would take hours): 20,000
 * extensions named com.scale.ext-00001 … com.scale.ext-20000 with five versions each, ext-00001 with
 * LONG_HISTORY. Columns as the migrations define them; content hashes unique, as the schema demands.
 */
async function seedRegistry(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO extensions (name, publisher, display_name, description)
       SELECT format('com.scale.ext-%s', lpad(i::text, 5, '0')), 'scale', format('Scale extension %s', i),
              'Seeded for the console scale test'
         FROM generate_series(1, $1::int) AS i`,
      [SCALE_EXTENSIONS],
    );
    await client.query(
      `INSERT INTO extension_versions (extension_id, version, content_hash, size, unpacked_size, runtime, entry,
                                       api_endpoints, capabilities, egress, manifest, publisher, signature_status,
                                       signature, published_by, published_at)
       SELECT e.id, format('1.0.%s', v), 'sha256:' || encode(sha256(convert_to(e.name || '@' || v, 'UTF8')), 'hex'),
              4096, 8192, 'wasm-component@1', 'dist/main.wasm', '[]', '[]', '[]', '{}', 'scale', 'unsigned', '{}',
              'seed', now() - make_interval(mins => 1000 - v)
         FROM extensions e
         CROSS JOIN LATERAL generate_series(1, CASE WHEN e.name = 'com.scale.ext-00001' THEN $1::int ELSE 5 END) AS v
        WHERE e.publisher = 'scale'`,
      [LONG_HISTORY],
    );
  } finally {
    await client.end();
  }
}

/**
 * The console's shell in real Chromium: every page fits a phone and a desktop, the header folds into a menu
 * on a phone and stays on one row on a desktop, and the registry lists page and search on the server with
 * 20,000 extensions and 100,000 versions.
 */
describe('admin console shell end to end', () => {
  let stack: Stack;
  let base: string;
  let browser: Browser;
  let tenant: { tenantId: string; email: string; password: string };
  const contexts: BrowserContext[] = [];

  const pageAs = async (viewport: typeof WIDE, email: string, password: string): Promise<Page> => {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, base, email, password);
    return page;
  };

  beforeAll(async () => {
    const distDir = await ensureConsoleBuilt();
    stack = await startConsoleStack(distDir);
    base = stack.api.base;
    const created = await stack.api.request<{ id: string }>('POST', '/api/tenants', {
      json: { slug: 'acme-intergalactic', name: LONG_NAME },
    });
    tenant = await tenantUser(stack.api, 'acme-intergalactic', 'tenant-admin', created.body.id);
    // Two enabled extensions with a UI: two apps in the tenant's menu.
    for (const app of APPS) {
      await publish(stack.api, makeBundle({ manifest: { name: app.name, displayName: app.displayName } }));
      const install = await stack.api.request('POST', '/api/installs', {
        json: {
          extensionId: app.name,
          version: '1.0.0',
          tenantId: tenant.tenantId,
          enabled: true,
          grant: { capabilities: [], egress: [] },
        },
      });
      expect(install.status).toBe(201);
    }
    await seedRegistry(stack.api.database.url);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.close();
  });

  it('fits every page into 1280 and 390 px for the platform admin and a tenant admin', async () => {
    const routes = ['/extensions', `/extensions/${APPS[0]!.name}`, '/api-keys', '/forbidden'];
    const people = [
      { who: 'platform-admin', email: ADMIN_EMAIL, password: ADMIN_PASSWORD, routes: [...routes, '/install'] },
      {
        who: 'tenant-admin',
        email: tenant.email,
        password: tenant.password,
        routes: [...routes, `/apps/${APPS[0]!.name}`],
      },
    ];
    for (const viewport of [WIDE, PHONE]) {
      for (const person of people) {
        const page = await pageAs(viewport, person.email, person.password);
        for (const route of person.routes) {
          await page.goto(`${base}${route}`);
          await page.locator('main h2').first().waitFor();
          // Measure the page with its data, not its loading state.
          await until(async () => !((await page.locator('main').textContent()) ?? '').includes('Loading…'));
          await expectNoHorizontalOverflow(page, `${person.who} ${route} at ${viewport.width} px`);
        }
        await screenshot(page, `30-shell-${person.who}-${viewport.width}`);
      }
    }
    // Signed out: the sign-in page fits a phone as well.
    const context = await browser.newContext({ viewport: PHONE });
    contexts.push(context);
    const signedOut = await context.newPage();
    await signedOut.goto(`${base}/sign-in`);
    await signedOut.getByLabel('Email').waitFor();
    await expectNoHorizontalOverflow(signedOut, 'sign-in at 390 px');
  });

  it('keeps the header on one row at 1280 px with two apps and a long tenant name', async () => {
    for (const person of [
      { email: tenant.email, password: tenant.password },
      { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    ]) {
      const page = await pageAs(WIDE, person.email, person.password);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Extensions' }).waitFor();
      if (person.email === tenant.email) {
        for (const app of APPS) await nav.getByRole('link', { name: app.displayName }).waitFor();
      } else {
        // The picker shows the chosen tenant (the first by slug, the only one here) by name.
        await until(async () => (await page.locator('#tenant-picker').inputValue()) === LONG_NAME);
      }
      await expect(page.getByRole('button', { name: 'Menu' }).isVisible()).resolves.toBe(false);
      // The vertical centre of everything visible in the header.
      const centres = await page.evaluate<number[]>(
        `[...document.querySelectorAll('header.bar :is(h1, nav a, .session > :not(label), .sign-out)')]
          .filter((element) => element.offsetParent !== null)
          .map((element) => { const box = element.getBoundingClientRect(); return Math.round(box.top + box.height / 2); })`,
      );
      const rows = { spread: Math.max(...centres) - Math.min(...centres), count: centres.length };
      expect(rows.count).toBeGreaterThan(4);
      // Centres within a few pixels of each other: one row.
      expect(rows.spread).toBeLessThanOrEqual(6);
      // Every link whole: the navigation does not have to scroll to show them.
      await expect(
        page.evaluate<boolean>("(nav => nav.scrollWidth <= nav.clientWidth)(document.querySelector('header nav'))"),
      ).resolves.toBe(true);
      await screenshot(page, `33-header-1280-${person.email === tenant.email ? 'tenant' : 'admin'}`);
      await expectNoHorizontalOverflow(page, 'header at 1280 px');
    }
  });

  it('folds the navigation behind a keyboard-usable menu at 390 px, with Sign out always in view', async () => {
    const page = await pageAs(PHONE, tenant.email, tenant.password);
    const focusedText = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    const menu = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await expect(signOut.isVisible()).resolves.toBe(true);
    // On the first row, beside Menu.
    const [menuBox, signOutBox] = await Promise.all([menu.boundingBox(), signOut.boundingBox()]);
    expect(Math.abs((menuBox?.y ?? 0) - (signOutBox?.y ?? 100))).toBeLessThan(8);
    await expect(nav.isVisible()).resolves.toBe(false);
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');

    await menu.focus();
    await page.keyboard.press('Enter');
    await nav.waitFor();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
    await screenshot(page, '31-shell-menu-open-390');
    // Escape closes it and gives focus back to the button.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'hidden' });
    await expect(focusedText()).resolves.toBe('Menu');

    // Open again and follow a link with the keyboard: the menu closes on arrival.
    await page.keyboard.press('Enter');
    await nav.getByRole('link', { name: 'API keys' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await expectNoHorizontalOverflow(page, 'API keys at 390 px');
  });

  it('pages and searches 20,000 extensions on the server, one small page at a time', async () => {
    const page = await pageAs(WIDE, ADMIN_EMAIL, ADMIN_PASSWORD);
    const listed: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/extensions') listed.push(url);
    });
    await page.goto(`${base}/extensions`);
    const count = page.getByTestId('extension-count');
    await count.getByText('First 50 extensions; more below.').waitFor();
    await expect(page.locator('tr[data-extension]').count()).resolves.toBe(50);
    expect(listed.map((url) => url.searchParams.get('limit'))).toEqual(['50']);

    // A search for an extension deep in the set asks the server, which finds it.
    await page.getByLabel('Search').fill('ext-19876');
    await page.locator('tr[data-extension="com.scale.ext-19876"]').waitFor();
    await count.getByText('1 extension.').waitFor();
    expect(listed.at(-1)?.searchParams.get('q')).toBe('ext-19876');

    // 100 matches: the last page is reachable and says so, with nothing fetched twice.
    await page.getByLabel('Search').fill('ext-199');
    await count.getByText('First 50 extensions; more below.').waitFor();
    const before = listed.length;
    await page.getByRole('button', { name: 'Show more extensions' }).click();
    await count.getByText('100 extensions.').waitFor();
    await page.locator('tr[data-extension="com.scale.ext-19999"]').waitFor();
    await expect(page.getByRole('button', { name: 'Show more extensions' }).count()).resolves.toBe(0);
    expect(listed.slice(before).map((url) => url.searchParams.has('cursor'))).toEqual([true]);
    // Never more than one page per request, never the whole registry.
    expect(listed.every((url) => url.searchParams.get('limit') === '50')).toBe(true);
    expect(listed.length).toBeLessThan(15);
    await screenshot(page, '32-registry-at-scale');
  });

  it("reaches the oldest of an extension's 120 versions page by page", async () => {
    const page = await pageAs(PHONE, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto(`${base}/extensions/com.scale.ext-00001`);
    const versions = page.getByTestId('version-table').locator('tr[data-version]');
    await page.locator('tr[data-version="1.0.120"]').waitFor();
    await expect(versions.count()).resolves.toBe(50);
    const older = page.getByRole('button', { name: 'Show older versions' });
    await older.click();
    await until(async () => (await versions.count()) === 100);
    await older.click();
    await page.locator('tr[data-version="1.0.1"]').waitFor();
    await expect(versions.count()).resolves.toBe(LONG_HISTORY);
    await expect(older.count()).resolves.toBe(0);
    // Stacked rows: 120 versions still fit a phone.
    await expectNoHorizontalOverflow(page, 'versions at 390 px');
  });
});
