import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ExitCode } from './exit-codes.js';
import { main } from './main.js';

async function extctl(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(['node', 'extctl', ...args], { stdout, stderr });
    return { code, stdout: out, stderr: err };
  } finally {
    process.chdir(previous);
  }
}

const json = <T>(text: string): T => JSON.parse(text) as T;

/**
 * The developer workflow on the template, with the real tools: componentize-js builds the handler, the
 * bundle is packed deterministically, signed with a key from keygen and verified against its CA.
 */
describe('extctl on the template extension', () => {
  const work = mkdtempSync(join(tmpdir(), 'extctl-template-'));
  const project = join(work, 'ticket-helper');

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('init, build, pack, keygen, sign, verify and inspect', async () => {
    const init = await extctl(work, '--json', 'init', 'ticket-helper', '--publisher', 'acme');
    expect(init.code).toBe(0);
    expect(json<{ name: string }>(init.stdout).name).toBe('com.acme.ticket-helper');

    // Packing before building names the missing component.
    const early = await extctl(project, 'pack', '.', '-o', 'early.tar.zst');
    expect(early.code).toBe(ExitCode.INVALID_MANIFEST);
    expect(early.stderr).toContain('run extctl build first: dist/main.wasm is missing');

    const build = await extctl(project, '--json', 'build');
    expect(build.code).toBe(0);
    const built = json<{ entry: string; size: number; milliseconds: number }>(build.stdout);
    process.stderr.write(`template componentize: ${built.milliseconds} ms, ${built.size} bytes\n`);
    expect(readFileSync(join(project, 'dist/main.wasm')).subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));

    const pack = await extctl(project, '--json', 'pack', '.', '-o', 'bundle.tar.zst');
    expect(pack.code).toBe(0);
    const packed = json<{ contentHash: string; files: number }>(pack.stdout);
    expect(packed.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // manifest, component and the three UI files; src/, README and .gitignore stay out.
    expect(packed.files).toBe(5);
    const listing = execFileSync('tar', ['--zstd', '-tf', join(project, 'bundle.tar.zst')], { encoding: 'utf8' });
    expect(listing).not.toContain('src/handler.js');

    // Packing again gives the same bytes.
    const again = await extctl(project, '--json', 'pack', '.', '-o', 'again.tar.zst');
    expect(json<{ contentHash: string }>(again.stdout).contentHash).toBe(packed.contentHash);

    const keygen = await extctl(project, '--json', 'keygen', '--publisher', 'acme', '--out', 'keys');
    expect(keygen.code).toBe(0);
    expect(statSync(join(project, 'keys/acme.key')).mode & 0o777).toBe(0o600);
    expect((await extctl(project, 'keygen', '--publisher', 'acme', '--out', 'keys')).code).toBe(ExitCode.EXISTS);

    const sign = await extctl(
      project,
      '--json',
      'sign',
      'bundle.tar.zst',
      '--key',
      'keys/acme.key',
      '--cert',
      'keys/acme.pem',
    );
    expect(sign.code).toBe(0);
    expect(json<{ contentHash: string }>(sign.stdout).contentHash).toBe(packed.contentHash);

    const verify = await extctl(project, '--json', 'verify', 'bundle.tar.zst', '--trust', 'keys/ca.pem');
    expect(verify.code).toBe(0);
    const verdict = json<{ verdict: { status: string; checks: { name: string; status: string }[] } }>(
      verify.stdout,
    ).verdict;
    expect(verdict.status).toBe('verified');
    expect(verdict.checks.every((check) => check.status === 'pass')).toBe(true);

    const inspect = await extctl(project, 'inspect', 'bundle.tar.zst');
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('com.acme.ticket-helper 0.1.0 by acme');
    expect(inspect.stdout).toContain('GET /greeting, GET /secret-status, GET /upstream');
  }, 180_000);

  it('rejects a tampered bundle and a foreign signer, with the signature exit status', async () => {
    expect(existsSync(join(project, 'bundle.tar.zst.sig'))).toBe(true);
    // Another bundle under the same signature: the digest no longer matches.
    writeFileSync(join(project, 'ui/extra.txt'), 'changed');
    await extctl(project, 'pack', '.', '-o', 'changed.tar.zst');
    copyFileSync(join(project, 'bundle.tar.zst.sig'), join(project, 'changed.tar.zst.sig'));
    const tampered = await extctl(project, 'verify', 'changed.tar.zst', '--trust', 'keys/ca.pem');
    expect(tampered.code).toBe(ExitCode.SIGNATURE);
    expect(tampered.stdout).toMatch(/FAIL\s+integrity/);

    // A CA nobody trusts.
    await extctl(project, 'keygen', '--publisher', 'acme', '--out', 'other-keys');
    const foreign = await extctl(project, '--json', 'verify', 'bundle.tar.zst', '--trust', 'other-keys/ca.pem');
    expect(foreign.code).toBe(ExitCode.SIGNATURE);
    expect(json<{ verdict: { code: string } }>(foreign.stdout).verdict.code).toBe('SIGNER_UNTRUSTED');
  }, 60_000);

  it('produces signatures that openssl verifies', () => {
    const envelope = json<{ signature: string; digest: string }>(
      readFileSync(join(project, 'bundle.tar.zst.sig'), 'utf8'),
    );
    writeFileSync(join(work, 'message.txt'), `extplat-bundle-signature/v1:${envelope.digest}`);
    writeFileSync(join(work, 'signature.bin'), Buffer.from(envelope.signature, 'base64'));
    const publicKey = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', join(project, 'keys/acme.pem')]);
    writeFileSync(join(work, 'public.pem'), publicKey);
    const result = execFileSync(
      'openssl',
      [
        'dgst',
        '-sha256',
        '-verify',
        join(work, 'public.pem'),
        '-sigopt',
        'rsa_padding_mode:pss',
        '-sigopt',
        'rsa_pss_saltlen:32',
        '-signature',
        join(work, 'signature.bin'),
        join(work, 'message.txt'),
      ],
      { encoding: 'utf8' },
    );
    expect(result.trim()).toBe('Verified OK');
  });
});
