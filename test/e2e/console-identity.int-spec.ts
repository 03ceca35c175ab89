import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../apps/api/test/api-harness.js';
import type { Stack } from '../../apps/api/test/stack-harness.js';
import {
  ensureConsoleBuilt,
  focused,
  launchChromium,
  openFromMenu,
  screenshot,
  signIn,
  startConsoleStack,
  until,
} from './console-harness.js';
import { fetchApi } from '../../apps/api/test/openapi-contract.js';

// Each step drives a real browser against the real stack: give it room beyond jest's 5 s default.
jest.setTimeout(90_000);

interface UserView {
  id: string;
  email: string;
  role: string;
  tenantId: string | null;
  disabledAt: string | null;
}

/** Whether the page is wider than the viewport (a horizontal scrollbar). */
function overflows(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');
}

/**
 * The tenants and users pages in real Chromium against the real stack, on a desktop and a phone viewport:
 * a platform admin creates a tenant and, from there, its first admin; that admin signs in and manages a
 * user of the tenant (create, disable, enable, role, password, delete). What the page shows is checked against the API.
 */
describe('console tenants and users', () => {
  let stack: Stack;
  let base: string;
  let browser: Browser;

  const user = async (email: string): Promise<UserView> => {
    const reply = await stack.api.request<{ items: UserView[] }>('GET', `/api/users?q=${encodeURIComponent(email)}`);
    const found = reply.body.items.find((item) => item.email === email);
    if (!found) throw new Error(`no user ${email}: ${JSON.stringify(reply.body)}`);
    return found;
  };

  beforeAll(async () => {
    const distDir = await ensureConsoleBuilt();
    stack = await startConsoleStack(distDir);
    base = stack.api.base;
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  describe.each([1280, 390])('at %i px', (width) => {
    const slug = `acme-${width}`;
    const tenantAdminEmail = `first-admin-${width}@acme.test`;
    const memberEmail = `member-${width}@acme.test`;

    it('lets a platform admin create a tenant, rename it, find it and go on to create its first admin', async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await signIn(page, base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await openFromMenu(page, 'Tenants');
      await page.getByRole('heading', { name: 'Tenants' }).waitFor();

      await page.getByLabel('Slug').fill(slug);
      await page.getByLabel('Name', { exact: true }).fill('Acme');
      await page.getByRole('button', { name: 'Create tenant' }).click();
      const created = page.getByTestId('tenant-created');
      await created.getByText('Acme was created').waitFor();
      const row = page.getByTestId('tenant-table').getByRole('row').filter({ hasText: slug });
      await row.waitFor();
      expect(await overflows(page)).toBe(false);

      // Renamed from the keyboard: the field takes the focus, Enter saves.
      await row.getByRole('button', { name: 'Rename Acme' }).click();
      const newName = row.getByLabel(`New name for ${slug}`);
      await until(async () => (await focused(page))?.startsWith('rename-') === true);
      await expect(newName.inputValue()).resolves.toBe('Acme');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('Acme Corporation');
      await page.keyboard.press('Enter');
      await row.getByText('Acme Corporation').waitFor();
      // The focus is back on the row's Rename button.
      await until(async () => (await focused(page)) === 'Rename Acme Corporation');
      const tenants = await fetchApi(`${base}/api/tenants?q=${slug}`, {
        headers: { authorization: `Bearer ${stack.api.adminToken}` },
      });
      const tenant = ((await tenants.json()) as { items: { id: string; name: string }[] }).items[0];
      expect(tenant?.name).toBe('Acme Corporation');

      // The search runs on the server: a prefix of the name finds the tenant, another prefix does not.
      const search = page.getByRole('searchbox', { name: 'Search' });
      await search.fill('ACME CORP');
      await row.waitFor();
      await search.fill('zzz');
      await page.getByText('No tenant matches “zzz”.').waitFor();
      await screenshot(page, `identity-tenants-${width}`);

      // The way on from a new tenant: its first admin, with the role and tenant already chosen.
      await created.getByRole('link', { name: 'Create its first admin' }).click();
      await page.getByRole('heading', { name: 'First admin of Acme Corporation' }).waitFor();
      await expect(page.locator('#user-role').inputValue()).resolves.toBe('tenant-admin');
      // The tenant picker shows the chosen tenant by name.
      await until(async () => (await page.locator('#user-tenant').inputValue()) === 'Acme Corporation');
      await page.locator('#user-email').fill(tenantAdminEmail);
      await page.locator('#user-password').fill('first admin password');
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.getByTestId('user-notice').getByText(`Created ${tenantAdminEmail} (tenant-admin).`).waitFor();
      await page.getByTestId('user-table').getByRole('row').filter({ hasText: tenantAdminEmail }).waitFor();
      expect(await overflows(page)).toBe(false);
      await screenshot(page, `identity-first-admin-${width}`);
      expect(await user(tenantAdminEmail)).toMatchObject({
        role: 'tenant-admin',
        tenantId: tenant?.id,
        disabledAt: null,
      });

      // Back on the tenants page, the tenant counts its user.
      await openFromMenu(page, 'Tenants');
      await page.getByRole('link', { name: '1 user of Acme Corporation' }).first().waitFor();
      await context.close();
    });

    it("lets the tenant's admin create a user, disable and enable it, change its role, reset its password, delete it", async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await signIn(page, base, tenantAdminEmail, 'first admin password');
      const nav = page.getByRole('navigation', { name: 'Main' });
      await expect(nav.getByRole('link', { name: 'Tenants' }).count()).resolves.toBe(0);
      await openFromMenu(page, 'Users');
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      // A tenant admin grants tenant roles only, in its own tenant (no tenant to choose).
      await expect(page.locator('#user-role option').allTextContents()).resolves.toEqual(['tenant-admin', 'member']);
      await expect(page.locator('#user-tenant').count()).resolves.toBe(0);

      await page.locator('#user-email').fill(memberEmail);
      await page.getByRole('button', { name: 'Generate' }).click();
      await expect(page.locator('#user-password').inputValue()).resolves.toMatch(/^\S{20}$/);
      await page.getByRole('button', { name: 'Create user' }).click();
      const notice = page.getByTestId('user-notice');
      await notice.getByText(`Created ${memberEmail} (member).`).waitFor();
      const row = page.getByTestId('user-table').locator(`tr[data-email="${memberEmail}"]`);
      await row.waitFor();
      const admin = await user(tenantAdminEmail);
      expect(await user(memberEmail)).toMatchObject({ role: 'member', tenantId: admin.tenantId });

      await row.getByRole('button', { name: `Disable ${memberEmail}` }).click();
      await row.getByText('disabled', { exact: true }).waitFor();
      // The button was disabled while the change ran; the focus is back on it, not on <body>.
      await until(async () => (await focused(page)) === `Enable ${memberEmail}`);
      expect((await user(memberEmail)).disabledAt).not.toBeNull();

      await row.getByRole('button', { name: `Enable ${memberEmail}` }).click();
      await row.getByText('active', { exact: true }).waitFor();
      expect((await user(memberEmail)).disabledAt).toBeNull();

      await row.getByRole('button', { name: `Make ${memberEmail} tenant-admin` }).click();
      await notice.getByText(`${memberEmail} is now a tenant-admin.`).waitFor();
      await row.getByRole('button', { name: `Make ${memberEmail} member` }).waitFor();
      await until(async () => (await focused(page)) === `Make ${memberEmail} member`);
      expect((await user(memberEmail)).role).toBe('tenant-admin');

      // A new password, set by the admin, is the one that signs the user in.
      await row.getByRole('button', { name: `Reset the password of ${memberEmail}` }).click();
      const newPassword = row.getByLabel(`New password for ${memberEmail}`);
      const password = await newPassword.inputValue();
      expect(password).toMatch(/^\S{20}$/);
      await row.getByRole('button', { name: 'Set password' }).click();
      await notice.getByText(`New password set for ${memberEmail}; their sessions ended.`).waitFor();
      await until(async () => (await focused(page)) === `Reset the password of ${memberEmail}`);
      const login = await fetchApi(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: memberEmail, password }),
      });
      expect(login.status).toBe(200);

      // Deleting asks once more in the row, focus on Cancel; Escape backs out and gives the focus back to the
      // row's Delete, where Enter asks again.
      await row.getByRole('button', { name: `Delete ${memberEmail}` }).click();
      await row.getByText(`Delete ${memberEmail} for good?`).waitFor();
      await until(async () => (await focused(page)) === 'Cancel');
      await page.keyboard.press('Escape');
      await until(async () => (await focused(page)) === `Delete ${memberEmail}`);
      await page.keyboard.press('Enter');
      await row.getByText(`Delete ${memberEmail} for good?`).waitFor();
      await row.getByRole('button', { name: 'Delete', exact: true }).click();
      await notice.getByText(`Deleted ${memberEmail}.`).waitFor();
      await row.waitFor({ state: 'detached' });
      // No other row to act on (its own has no buttons): the focus goes to the search field.
      await until(async () => (await focused(page)) === 'user-search');
      const gone = await stack.api.request<{ items: UserView[] }>('GET', `/api/users?q=${memberEmail}`);
      expect(gone.body.items).toEqual([]);

      // Its own row offers nothing to do to itself.
      const own = page.getByTestId('user-table').locator(`tr[data-email="${tenantAdminEmail}"]`);
      await expect(own.getByRole('button').count()).resolves.toBe(0);
      expect(await overflows(page)).toBe(false);
      await screenshot(page, `identity-users-${width}`);
      await context.close();
    });
  });
});
