import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError } from '@extplat/bundle';
import { manifestFor } from '@extplat/testing';
import { CliError, ExitCode } from './exit-codes.js';
import { readProjectManifest } from './project.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function projectWith(manifest: Buffer | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'extctl-project-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'manifest.json'), manifest);
  return dir;
}

async function failure(dir: string): Promise<unknown> {
  return readProjectManifest(dir).then(
    () => {
      throw new Error('expected the manifest to be refused');
    },
    (error: unknown) => error,
  );
}

describe('extctl reads manifest.json with the rules finalize applies', () => {
  it('refuses bytes that are not UTF-8 instead of replacing them', async () => {
    const bytes = Buffer.from(JSON.stringify(manifestFor({ displayName: 'Tickets #' })));
    bytes[bytes.indexOf('#')] = 0xfe;
    const error = await failure(projectWith(bytes));
    expect(error).toBeInstanceOf(BundleError);
    expect(error).toMatchObject({ code: 'INVALID_MANIFEST', message: expect.stringMatching(/not valid UTF-8/) });
  });

  it('refuses a config schema pattern RE2 cannot run, naming where it is', async () => {
    const config = { type: 'object', properties: { id: { type: 'string', pattern: '^(?<=a)b$' } } };
    const error = await failure(projectWith(JSON.stringify(manifestFor({ config }))));
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({
      exitCode: ExitCode.INVALID_MANIFEST,
      details: { issues: [{ path: 'config', message: expect.stringContaining('at /properties/id/pattern') }] },
    });
  });

  it('accepts a valid manifest', async () => {
    await expect(readProjectManifest(projectWith(JSON.stringify(manifestFor())))).resolves.toMatchObject({
      name: 'com.example.tickets',
    });
  });
});
