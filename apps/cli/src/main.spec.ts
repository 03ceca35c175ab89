import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main.js';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runIn({}, ...args);
}

/** With `env` as the whole environment (no EXTCTL_* of the machine running the tests). */
async function runIn(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(['node', 'extctl', ...args], { stdout, stderr }, { env });
  return { code, stdout: out, stderr: err };
}

describe('extctl', () => {
  it('prints help listing its commands', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: extctl');
    expect(result.stdout).toMatch(/digest <file>/);
    expect(result.stdout).toContain('--json');
  });

  it('lists the exit statuses in its help, as the guide says', async () => {
    const { stdout } = await run('--help');
    expect(stdout).toContain('Exit statuses');
    expect(stdout).toMatch(/^ +6 {2}the signature was rejected/m);
    expect(stdout).toMatch(/^ +14 {2}the target version needs more than is granted/m);
    expect(stdout).toMatch(/^ +130 {2}interrupted/m);
    expect(stdout).toMatch(/^ +143 {2}terminated/m);
  });

  it('prints its version', async () => {
    const result = await run('--version');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it('exits 2 on an unknown command', async () => {
    const result = await run('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('prints a usage error as JSON with --json', async () => {
    const unknown = await run('--json', 'frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('');
    expect(JSON.parse(unknown.stdout)).toEqual({
      error: {
        code: 'USAGE',
        message: "unknown command 'frobnicate'",
        details: { reason: 'commander.unknownCommand' },
      },
    });
    const missing = await run('publish', '--json');
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      error: { code: 'USAGE', message: "missing required argument 'bundle'" },
    });
  });

  it('digests a file as the platform addresses it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'extctl-')), 'bundle.tar.zst');
    writeFileSync(file, 'bundle bytes');
    const expected = `sha256:${createHash('sha256').update('bundle bytes').digest('hex')}`;
    expect(await run('digest', file)).toMatchObject({ code: 0, stdout: `${expected}  12 bytes  ${file}\n` });
    const json = await run('--json', 'digest', file);
    expect(JSON.parse(json.stdout)).toEqual({ contentHash: expected, size: 12 });
  });

  it('exits 3 with a stable error code when the input is missing', async () => {
    const result = await run('--json', 'digest', '/nonexistent/bundle.tar.zst');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'FILE_NOT_FOUND', message: '/nonexistent/bundle.tar.zst: no such file' },
    });
  });
});

describe('extctl publish checks the files before contacting the API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'extctl-publish-checks-'));
  // Port 9 (discard) on localhost: nothing answers, so a check that passed would end in API_UNREACHABLE.
  const env = { EXTCTL_API_URL: 'http://127.0.0.1:9', EXTCTL_API_KEY: 'extplat_test' };
  const zstdBytes = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00]);
  const hashOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const envelope = (digest: string) => JSON.stringify({ format: 'extplat-signature/v1', digest });

  it('refuses a file that is not zstd (exit 4, NOT_ZSTD)', async () => {
    const file = join(dir, 'renamed.tar.zst');
    writeFileSync(file, Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    const result = await runIn(env, '--json', 'publish', file);
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'NOT_ZSTD' } });
  });

  it('refuses a .sig written for other content (exit 6, DIGEST_MISMATCH)', async () => {
    const file = join(dir, 'bundle.tar.zst');
    writeFileSync(file, zstdBytes);
    const other = `sha256:${'b'.repeat(64)}`;
    writeFileSync(`${file}.sig`, envelope(other));
    const result = await runIn(env, '--json', 'publish', file);
    expect(result.code).toBe(6);
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: { code: 'DIGEST_MISMATCH', details: { claimed: other, actual: hashOf(zstdBytes) } },
    });
  });

  it('refuses a .sig that is not an envelope (exit 6, SIGNATURE_MALFORMED)', async () => {
    const file = join(dir, 'other.tar.zst');
    writeFileSync(file, zstdBytes);
    writeFileSync(join(dir, 'notes.sig'), 'not json');
    const result = await runIn(env, '--json', 'publish', file, '--sig', join(dir, 'notes.sig'));
    expect(result.code).toBe(6);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'SIGNATURE_MALFORMED' } });
  });

  it('goes on to the API once both checks pass', async () => {
    const file = join(dir, 'good.tar.zst');
    writeFileSync(file, zstdBytes);
    writeFileSync(`${file}.sig`, envelope(hashOf(zstdBytes)));
    const result = await runIn(env, '--json', 'publish', file);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'API_UNREACHABLE' } });
  });
});
