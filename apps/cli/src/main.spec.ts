import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main.js';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(['node', 'extctl', ...args], { stdout, stderr });
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

  it('prints its version', async () => {
    const result = await run('--version');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it('exits 2 on an unknown command', async () => {
    const result = await run('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
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
