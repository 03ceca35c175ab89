import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type ApiHarness, startApi } from '../../apps/api/test/api-harness.js';
import { ensureConsoleBuilt, launchChromium, signIn } from './console-harness.js';

jest.setTimeout(60_000);

/** Every CSP violation the page reports, from the document and its frames. */
async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  // A string: the test's TypeScript has no DOM types, the page does.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      window.reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' +
        event.sourceFile + ':' + event.lineNumber + ')'));`,
  });
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  return violations;
}

/** The built console under its Content-Security-Policy, in real Chromium. */
describe('the console under its security headers, in Chromium', () => {
  let api: ApiHarness;
  let browser: Browser;
  let framer: Server;

  beforeAll(async () => {
    const dist = await ensureConsoleBuilt();
    api = await startApi({ storage: 'fs', env: { CONSOLE_DIST_DIR: dist } });
    browser = await launchChromium();
    // Another site that tries to frame the console.
    framer = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<iframe src="${api.base}/sign-in"></iframe>`),
    );
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    framer?.close();
    await api?.close();
  });

  it('signs in and renders styled pages with no CSP violation', async () => {
    const page = await browser.newPage();
    const violations = await recordViolations(page);
    await signIn(page, api.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    // The global stylesheet applied: the body takes its background from styles.scss.
    expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(249, 250, 251)');
    await page.goto(`${api.base}/extensions`);
    await page.getByRole('heading', { name: 'Extensions' }).waitFor();
    expect(violations).toEqual([]);
    await page.close();
  });

  it('cannot be framed by another site', async () => {
    const page = await browser.newPage();
    const port = (framer.address() as AddressInfo).port;
    await page.goto(`http://localhost:${port}/`);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    expect(frame).toBeDefined();
    // The load event waited for the frame: refused, it holds an error page instead of the console's.
    const started = await frame!.evaluate<boolean>("document.querySelector('app-root') !== null").catch(() => false);
    expect(started).toBe(false);
    await page.close();
  });
});
