import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type ApiHarness,
  makeBundle,
  startApi,
  uploadViaProxy,
} from '../../apps/api/test/api-harness.js';
import { ensureConsoleBuilt, launchChromium, screenshot, signIn, writeBundle } from './console-harness.js';

jest.setTimeout(60_000);

/**
 * The install wizard's checks before upload, in real Chromium against the API (signatures enforced):
 * each problem the browser can see is named before a byte moves, and nothing reaches the server.
 */
describe('install wizard: early checks before uploading', () => {
  const work = mkdtempSync(join(tmpdir(), 'extplat-wizard-checks-'));
  let api: ApiHarness;
  let browser: Browser;
  let files: {
    good: { bundle: string; signature: string };
    registered: { bundle: string; signature: string };
    otherSignature: string;
    notZstd: string;
    notEnvelope: string;
  };

  /** Upload sessions the API has opened: the checks must leave this at what the setup made. */
  const uploadSessions = async (): Promise<number> => {
    const client = new pg.Client({ connectionString: api.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM upload_sessions');
      return rows[0]?.n ?? 0;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    const distDir = await ensureConsoleBuilt();
    api = await startApi({ storage: 'fs', env: { CONSOLE_DIST_DIR: distDir } });
    const registered = makeBundle({ manifest: { name: 'com.example.registered' } });
    const { uploadId } = await uploadViaProxy(api, registered);
    const finalized = await api.request('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: registered.signature },
    });
    expect(finalized.status).toBe(200);
    const other = makeBundle({ manifest: { name: 'com.example.other' } });
    files = {
      good: writeBundle(work, 'good', makeBundle({ manifest: { name: 'com.example.good' } })),
      registered: writeBundle(work, 'registered', registered),
      otherSignature: join(work, 'other.tar.zst.sig'),
      notZstd: join(work, 'renamed.tar.zst'),
      notEnvelope: join(work, 'notes.sig'),
    };
    writeFileSync(files.otherSignature, other.signature);
    // A gzip header: what a .tar.gz renamed to .tar.zst starts with.
    writeFileSync(files.notZstd, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]));
    writeFileSync(files.notEnvelope, 'not a signature');
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe.each([
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ])('at $width px', (viewport) => {
    let page: Page;
    let sessionsBefore: number;

    beforeAll(async () => {
      const context = await browser.newContext({ viewport });
      page = await context.newPage();
      await signIn(page, api.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      sessionsBefore = await uploadSessions();
    });

    afterAll(async () => {
      // None of the refused picks opened an upload on the server.
      expect(await uploadSessions()).toBe(sessionsBefore);
      await page.context().close();
    });

    const openWizard = async () => {
      await page.goto(`${api.base}/install`);
      await page.getByRole('heading', { name: /Install an extension/ }).waitFor();
    };
    const problem = (code: string) => page.locator(`[data-testid="early-check"][data-code="${code}"]`);
    const upload = () => page.getByRole('button', { name: 'Upload and verify' });
    /** Nothing of the page sticks out of the viewport; on failure, the wizard's elements that do say where. */
    const noHorizontalOverflow = async () => {
      // A string: the test project has no DOM types; this runs in the page.
      const sticking = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((element) => element.tagName.toLowerCase() + [...element.classList].map((name) => '.' + name).join(''))`);
      expect(sticking).toEqual([]);
      await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(true);
    };

    it('names a file that is not zstd before uploading it', async () => {
      await openWizard();
      await page.getByTestId('file-input').setInputFiles([files.notZstd, files.good.signature]);
      await problem('NOT_ZSTD').waitFor();
      expect(await problem('NOT_ZSTD').textContent()).toContain('renamed.tar.zst is not zstd-compressed');
      expect(await upload().isDisabled()).toBe(true);
      await noHorizontalOverflow();
      await screenshot(page, `wizard-not-zstd-${viewport.width}`);
    });

    it('asks for the signature the platform enforces', async () => {
      await openWizard();
      await page.getByTestId('file-input').setInputFiles([files.good.bundle]);
      await problem('SIGNATURE_REQUIRED').waitFor();
      expect(await page.getByTestId('picked-signature').textContent()).toContain('this platform requires a signature');
      expect(await upload().isDisabled()).toBe(true);
      // Adding the .sig clears the problem.
      await page.getByTestId('file-input').setInputFiles([files.good.signature]);
      await upload().and(page.locator(':enabled')).waitFor();
      expect(await problem('SIGNATURE_REQUIRED').count()).toBe(0);
      await noHorizontalOverflow();
    });

    it('names a .sig that is not a signature envelope', async () => {
      await openWizard();
      await page.getByTestId('file-input').setInputFiles([files.good.bundle, files.notEnvelope]);
      await problem('SIGNATURE_MALFORMED').waitFor();
      expect(await problem('SIGNATURE_MALFORMED').textContent()).toContain('notes.sig is not a signature envelope');
      expect(await upload().isDisabled()).toBe(true);
      await noHorizontalOverflow();
    });

    it("refuses a .sig for other content once the file's hash is known, before uploading", async () => {
      await openWizard();
      await page.getByTestId('file-input').setInputFiles([files.good.bundle, files.otherSignature]);
      await upload().click();
      const panel = page.locator('.error-panel');
      await panel.waitFor();
      expect(await panel.getAttribute('data-code')).toBe('DIGEST_MISMATCH');
      expect(await panel.textContent()).toContain('other.tar.zst.sig signs sha256:');
      await noHorizontalOverflow();
      await screenshot(page, `wizard-digest-mismatch-${viewport.width}`);
    });

    it('checks the .sig of an already registered bundle too, instead of calling it verified', async () => {
      await openWizard();
      await page.getByTestId('file-input').setInputFiles([files.registered.bundle, files.otherSignature]);
      await upload().click();
      const panel = page.locator('.error-panel');
      await panel.waitFor();
      expect(await panel.getAttribute('data-code')).toBe('DIGEST_MISMATCH');
      expect(await page.getByTestId('verification-summary').count()).toBe(0);

      // With its own .sig, the registered version is shown as it is.
      await page.getByRole('button', { name: 'Choose other files' }).click();
      await page.getByTestId('file-input').setInputFiles([files.registered.bundle, files.registered.signature]);
      await upload().click();
      await page.getByTestId('verification-summary').waitFor();
      expect(await page.getByTestId('verification-summary').textContent()).toContain('was already registered');
      await noHorizontalOverflow();
    });
  });
});
