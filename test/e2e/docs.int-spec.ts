import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDevCa } from '@extplat/signing';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../apps/api/test/api-harness.js';
import type { Stack } from '../../apps/api/test/stack-harness.js';
import { ensureConsoleBuilt, launchChromium, screenshot, signIn, startConsoleStack } from './console-harness.js';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The `sh doc-test` blocks of a markdown file, in order. */
export function docTestBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh doc-test\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

/** The `run:` scripts of a workflow's steps after its `# doc-test:` marker (plain and `|` block scalars). */
export function workflowRunSteps(yaml: string): string[] {
  const lines = yaml.slice(yaml.indexOf('# doc-test:')).split('\n');
  const scripts: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const match = /^(\s*)run: ?(.*)$/.exec(lines[index]!);
    if (!match) continue;
    if (match[2] !== '|') {
      scripts.push(match[2]!);
      continue;
    }
    const body: string[] = [];
    const indent = match[1]!.length;
    while (
      index + 1 < lines.length &&
      (lines[index + 1]!.trim() === '' || /^\s*/.exec(lines[index + 1]!)![0].length > indent)
    ) {
      body.push(lines[++index]!.trim());
    }
    scripts.push(body.join('\n'));
  }
  return scripts;
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * The documentation cannot rot: the developer guide's walkthrough and the CI example workflow run here,
 * as written, against the API and the Runner on a real PostgreSQL and S3.
 */
describe('docs/developer-guide.md and docs/examples/publish-extension.yml, as written', () => {
  const work = mkdtempSync(join(tmpdir(), 'extplat-docs-'));
  const bin = join(work, 'bin');
  let stack: Stack;
  let env: Record<string, string>;
  /** What the guide's run printed: the tenant user it made and the console page to open. */
  let walkthrough: { email: string; password: string; page: string; extension: string } | undefined;

  beforeAll(async () => {
    const ca = createDevCa({ commonName: 'docs test CA', validDays: 2, keyBits: 2048 });
    mkdirSync(join(work, 'ca'));
    writeFileSync(join(work, 'ca/ca.pem'), ca.certificatePem);
    writeFileSync(join(work, 'ca/ca.key'), ca.keyPem, { mode: 0o600 });
    // `extctl` as the guide's alias makes it.
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'extctl'),
      `#!/bin/sh\nexec "${process.execPath}" "${repo('apps/cli/bin/extctl.js')}" "$@"\n`,
    );
    chmodSync(join(bin, 'extctl'), 0o755);
    // The console is served by the API, on an origin of its own; the Runner only lets it frame UIs.
    stack = await startConsoleStack(await ensureConsoleBuilt(), { trustBundlePem: ca.certificatePem });
    env = {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      EXTCTL_API_URL: stack.api.base,
      RUNNER_PUBLIC_BASE: stack.runnerPublicBase,
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      CA_CERT: join(work, 'ca/ca.pem'),
      CA_KEY: join(work, 'ca/ca.key'),
    };
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs every doc-test block of the developer guide in order', async () => {
    const blocks = docTestBlocks(readFileSync(repo('docs/developer-guide.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const result = await bash(blocks.join('\n'), work, env);
    if (result.code !== 0) throw new Error(`the guide's commands failed (${result.code}):\n${result.output}`);
    expect(result.output).toContain('"message":"Hello from Ticket Helper"');
    expect(result.output).toContain('"apiTokenConfigured":true');
    expect(result.output).toMatch(/verified/);
    // Section 7 printed where a tenant user signs in and which page shows the extension.
    const printed =
      /Sign in at \S+ as (\S+) with password (\S+), then open (\S+\/apps\/(com\.acme\.ticket-helper-\d+))\n/.exec(
        result.output,
      );
    expect(printed).not.toBeNull();
    const [, email, password, page, extension] = printed!;
    walkthrough = { email: email!, password: password!, page: page!, extension: extension! };
    // The second version was published, upgraded to and rolled back from.
    const installs = await stack.api.request<{ items: { extension: { name: string }; version: string }[] }>(
      'GET',
      '/api/installs',
    );
    expect(installs.body.items.map((install) => [install.extension.name, install.version])).toEqual([
      [extension, '0.1.0'],
    ]);
    const versions = await stack.api.request<{ items: { version: string }[] }>(
      'GET',
      `/api/extensions/${extension}/versions`,
    );
    expect(versions.body.items.map((version) => version.version).sort()).toEqual(['0.1.0', '0.2.0']);
  }, 240_000);

  it('runs the guide again, as written, on the same platform (its names carry a per-run suffix)', async () => {
    const blocks = docTestBlocks(readFileSync(repo('docs/developer-guide.md'), 'utf8'));
    const result = await bash(blocks.join('\n'), work, env);
    if (result.code !== 0) throw new Error(`the second run failed (${result.code}):\n${result.output}`);
    expect(result.output).toContain('"apiTokenConfigured":true');
    const installs = await stack.api.request<{ items: unknown[] }>('GET', '/api/installs');
    expect(installs.body.items).toHaveLength(2);
  }, 300_000);

  it("renders the extension's UI for the guide's tenant user, calling its API through the bridge", async () => {
    expect(walkthrough).toBeDefined();
    const { email, password, page: link, extension } = walkthrough!;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await signIn(page, stack.api.base, email, password);
      await page.goto(link);
      const frame = page.frameLocator('[data-testid=extension-frame]');
      await frame.getByText('Hello from Ticket Helper').waitFor({ timeout: 30_000 });
      const src = await page.locator('[data-testid=extension-frame]').getAttribute('src');
      expect(src).toMatch(
        new RegExp(
          `^${stack.runnerPublicBase}/ext-ui/${extension.replaceAll('.', '\\.')}/sha256:[0-9a-f]{64}/index\\.html`,
        ),
      );
      await screenshot(page, 'docs-walkthrough-extension-page');
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('runs the CI example workflow steps and publishes the tagged version', async () => {
    // A fresh checkout of the extension's repository: what its .gitignore keeps out is not there.
    const source = join(work, walkthrough!.extension.replace('com.acme.', ''));
    const project = join(work, 'checkout');
    cpSync(source, project, {
      recursive: true,
      filter: (path) => !/(\/dist|\/keys|\.tar\.zst(\.sig|\.upload\.json)?)$/.test(path),
    });
    expect(readdirSync(project).sort()).toEqual(['.gitignore', 'README.md', 'manifest.json', 'src', 'ui']);
    const key = await stack.api.request<{ key: string }>('POST', '/api/api-keys', {
      json: { name: 'workflow', role: 'platform-admin' },
    });
    const runnerTemp = join(work, 'runner-temp');
    mkdirSync(runnerTemp);
    const steps = workflowRunSteps(readFileSync(repo('docs/examples/publish-extension.yml'), 'utf8'));
    expect(steps).toHaveLength(5);
    const result = await bash(steps.join('\n'), project, {
      ...env,
      GITHUB_REF_NAME: 'v0.3.0',
      RUNNER_TEMP: runnerTemp,
      SIGNING_KEY: readFileSync(join(source, 'keys/acme.key'), 'utf8'),
      SIGNING_CERT: readFileSync(join(source, 'keys/acme.pem'), 'utf8'),
      EXTCTL_API_KEY: key.body.key,
    });
    if (result.code !== 0) throw new Error(`the workflow's steps failed (${result.code}):\n${result.output}`);
    const published = JSON.parse(readFileSync(join(project, 'publish.json'), 'utf8')) as { version: string };
    expect(JSON.stringify(published)).toContain('0.3.0');
    // The signing key did not stay on the runner's disk.
    expect(readdirSync(runnerTemp)).toEqual(['publisher.pem']);
  }, 240_000);
});
