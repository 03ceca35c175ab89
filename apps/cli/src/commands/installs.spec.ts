import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ExitCode } from '../exit-codes.js';
import type { Install } from '@extplat/api-client';
import { diffLines, formatTable, readConfig, readSecretValue, refuseUndeclaredSecret } from './installs.js';

describe('install command helpers', () => {
  it('reads a config from a file or inline JSON, as an object only', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'extctl-config-')), 'config.json');
    writeFileSync(file, '{"region": "eu"}');
    expect(await readConfig({ config: file })).toEqual({ region: 'eu' });
    expect(await readConfig({ configJson: '{"a": 1}' })).toEqual({ a: 1 });
    expect(await readConfig({})).toBeUndefined();
    await expect(readConfig({ configJson: '[1]' })).rejects.toMatchObject({ exitCode: ExitCode.USAGE });
    await expect(readConfig({ configJson: '{oops' })).rejects.toMatchObject({ code: 'INVALID_CONFIG_JSON' });
    await expect(readConfig({ config: file, configJson: '{}' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(readConfig({ config: '/nonexistent.json' })).rejects.toMatchObject({ exitCode: ExitCode.INPUT });
  });

  it('reads a secret from stdin without the final line break', async () => {
    expect(await readSecretValue(Readable.from([Buffer.from('s3cr'), Buffer.from('et\n')]))).toBe('s3cret');
    expect(await readSecretValue(Readable.from(['two\nlines\r\n']))).toBe('two\nlines');
    await expect(readSecretValue(Readable.from(['\n']))).rejects.toMatchObject({ code: 'SECRET_EMPTY' });
    await expect(readSecretValue(Readable.from([Buffer.alloc(70_000, 'x')]))).rejects.toMatchObject({
      code: 'SECRET_TOO_LONG',
    });
  });

  it('refuses a secret name the installed version does not declare, and points out a near miss', () => {
    const installOf = (declaredSecrets: Install['declaredSecrets']) =>
      ({ extension: { name: 'com.example.crm' }, version: '1.0.0', declaredSecrets }) as Install;
    const declared = installOf([{ name: 'api-token', title: 'API token', required: true, set: false }]);
    expect(() => refuseUndeclaredSecret(declared, 'api-token')).not.toThrow();
    expect(() => refuseUndeclaredSecret(installOf(null), 'API_TOKEN')).not.toThrow();
    expect(() => refuseUndeclaredSecret(declared, 'API_TOKEN')).toThrow(
      expect.objectContaining({
        exitCode: ExitCode.INVALID_REQUEST,
        code: 'SECRET_NOT_DECLARED',
        message:
          'com.example.crm 1.0.0 does not declare a secret named API_TOKEN: it declares api-token ' +
          '(did you mean api-token? names are case-sensitive)',
      }),
    );
    expect(() => refuseUndeclaredSecret(installOf([]), 'x')).toThrow(
      expect.objectContaining({
        message: 'com.example.crm 1.0.0 does not declare a secret named x: it declares no secrets',
      }),
    );
  });

  it('prints a table in aligned columns', () => {
    expect(
      formatTable(
        ['VERSION', 'STATUS', 'HASH'],
        [
          ['1.10.0', 'published', 'sha256:aa'],
          ['1.2.0', 'yanked', 'sha256:bb'],
        ],
      ),
    ).toBe(['VERSION  STATUS     HASH', '1.10.0   published  sha256:aa', '1.2.0    yanked     sha256:bb'].join('\n'));
  });

  it('shows what a version switch adds and drops', () => {
    const lines = diffLines('com.acme.tickets', {
      from: '1.0.0',
      to: '1.1.0',
      direction: 'upgrade',
      capabilities: { added: ['cap:http.fetch'], removed: ['cap:context.read'] },
      egress: { added: [], removed: [] },
      requiresApproval: true,
      missingSecrets: ['api-token'],
    });
    expect(lines).toEqual([
      'com.acme.tickets: 1.0.0 -> 1.1.0 (upgrade)',
      '  capabilities  +cap:http.fetch -cap:context.read',
      '  egress        no change',
      '  approval      required: the target requests more than is granted',
      '  secrets       required by 1.1.0, not set: api-token',
    ]);
  });

  it('reads a diff from an API older than declared secrets (no missingSecrets) without failing', () => {
    const older = {
      from: '1.0.0',
      to: '1.1.0',
      direction: 'upgrade',
      capabilities: { added: [], removed: [] },
      egress: { added: [], removed: [] },
      requiresApproval: false,
    } as unknown as Parameters<typeof diffLines>[1];
    expect(diffLines('com.acme.tickets', older)).toHaveLength(4);
  });
});
