import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from '@jest/globals';
import pg from 'pg';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { TestBundle } from '../../apps/api/test/api-harness.js';
import { freePort, type Stack, startStack } from '../../apps/api/test/stack-harness.js';

/** The e2e files poll through here; the helper itself serves every integration test. */
export { until } from '@extplat/testing';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CONSOLE_DIST = join(ROOT, 'dist/admin');
export const ARTIFACTS = join(ROOT, '.tmp/e2e-artifacts');
/** Screenshots meant for a person to look through (the journey's steps), apart from the failure artifacts. */
export const SCREENS = join(ROOT, '.tmp/screens');
const CHROMIUM = process.env['CHROME_BIN'] ?? '/usr/bin/chromium';

/** Flags that keep a headless Chromium quiet and offline apart from the stack under test. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stats.mtimeMs);
}

/** Builds the console (`ng build admin`) unless dist/admin is newer than every source of it. */
export async function ensureConsoleBuilt(): Promise<string> {
  const index = join(CONSOLE_DIST, 'browser/index.html');
  const sources = Math.max(
    newestMtime(join(ROOT, 'apps/admin/src')),
    newestMtime(join(ROOT, 'apps/admin/public')),
    statSync(join(ROOT, 'angular.json')).mtimeMs,
  );
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    await run(process.execPath, [join(ROOT, 'node_modules/@angular/cli/bin/ng.js'), 'build', 'admin'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
    });
  }
  return CONSOLE_DIST;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROME_BIN)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function screenshot(page: Page, name: string, dir: string = ARTIFACTS): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

// Strings, not functions, for page.evaluate: the tests compile without the DOM library.

/** Whether the page fits its viewport's width (no horizontal scrollbar). */
export function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}

/** What has the keyboard focus: its id, else its accessible label, else its text. */
export function focused(page: Page): Promise<string | undefined> {
  return page.evaluate<string | undefined>(
    "document.activeElement?.id || document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent?.trim()",
  );
}

/** Picks a bundle and its signature in the install wizard and waits until both are taken. */
export async function pickBundleFiles(page: Page, paths: { bundle: string; signature: string }): Promise<void> {
  await page.getByTestId('file-input').setInputFiles([paths.bundle, paths.signature]);
  await page.getByTestId('picked-signature').getByText(basename(paths.signature), { exact: true }).waitFor();
}

/** Signs in through the sign-in form. */
export async function signIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Extensions' }).waitFor();
}

/**
 * Follows a link of the main navigation the way a person would at the page's width: below 48rem the
 * navigation is folded behind "Menu", which is opened first.
 */
export async function openFromMenu(page: Page, link: string): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu' });
  if ((await menu.isVisible()) && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
}

/**
 * The stack with the API serving the built console on an origin of its own, which the Runner lets frame
 * extension UIs (`frame-ancestors`) and the bucket lets upload parts (CORS).
 */
export async function startConsoleStack(
  distDir: string,
  options: { trustBundlePem?: string; apiEnv?: Record<string, string> } = {},
): Promise<Stack> {
  const apiPort = await freePort();
  const origin = `http://127.0.0.1:${apiPort}`;
  const stack = await startStack({
    ...(options.trustBundlePem ? { trustBundlePem: options.trustBundlePem } : {}),
    apiEnv: {
      API_PORT: String(apiPort),
      CONSOLE_DIST_DIR: distDir,
      CONSOLE_ORIGIN: origin,
      STORAGE_S3_CORS_ORIGINS: origin,
      ...options.apiEnv,
    },
    runnerEnv: { CONSOLE_ORIGIN: origin },
  });
  if (stack.api.base !== origin) throw new Error(`the API listens on ${stack.api.base}, not ${origin}`);
  return stack;
}

/** Writes a bundle and its .sig to `dir`; returns the two paths. */
export function writeBundle(dir: string, name: string, bundle: TestBundle): { bundle: string; signature: string } {
  const paths = { bundle: join(dir, `${name}.tar.zst`), signature: join(dir, `${name}.tar.zst.sig`) };
  writeFileSync(paths.bundle, bundle.bytes);
  writeFileSync(paths.signature, bundle.signature);
  return paths;
}

/** The page is no wider than the window: nothing scrolls sideways. */
export async function expectNoHorizontalOverflow(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  expect({ what, scrollWidth: scrollWidth <= innerWidth ? 'fits' : scrollWidth }).toEqual({
    what,
    scrollWidth: 'fits',
  });
}

/** Runs `work` with a client on the stack's database, for seeding at a scale the API would take hours for. */
export async function withDatabase<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
