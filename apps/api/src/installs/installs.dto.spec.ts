import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreateInstallDto, SecretParamsDto, UpdateConfigDto } from './installs.dto.js';

/** What the global validation pipe does: transform, then whitelist and forbid unknown properties. */
async function check<T extends object>(type: new () => T, plain: object): Promise<{ value: T; problems: string[] }> {
  const value = plainToInstance(type, plain);
  const errors = await validate(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  const flatten = (list: typeof errors, parent = ''): string[] =>
    list.flatMap((error) => {
      const path = parent ? `${parent}.${error.property}` : error.property;
      return [...(error.constraints ? [path] : []), ...flatten(error.children ?? [], path)];
    });
  return { value, problems: flatten(errors).sort() };
}

describe('install DTOs', () => {
  it('keeps a nested config exactly as sent (it is checked against the schema, not the DTO)', async () => {
    const config = { hosts: ['a', { b: [1, 2] }], nested: { deep: { flag: true, nothing: null } } };
    const { value, problems } = await check(UpdateConfigDto, { config });
    expect(problems).toEqual([]);
    expect(JSON.parse(JSON.stringify(value.config))).toEqual(config);
  });

  it('requires a grant with string lists and refuses unknown fields', async () => {
    const { problems } = await check(CreateInstallDto, {
      extensionId: 'com.example.tickets',
      version: '1.0.0',
      grant: { capabilities: ['cap:log.emit', 7], egress: 'https://x.example.com', extra: 1 },
      surprise: true,
    });
    expect(problems).toEqual(['grant.capabilities', 'grant.egress', 'grant.extra', 'surprise']);
    const missing = await check(CreateInstallDto, { extensionId: 'com.example.tickets', version: '1.0.0' });
    expect(missing.problems).toEqual(['grant']);
  });

  it('accepts secret names of letters, digits, "_", "." and "-" up to 64 characters', async () => {
    const installId = '5b0e9f1c-2f0a-4f3e-8d55-0f7b1d0c9a11';
    for (const name of ['API_TOKEN', 'db.password', 'a-b', 'x'.repeat(64)]) {
      expect((await check(SecretParamsDto, { installId, name })).problems).toEqual([]);
    }
    for (const name of ['', 'x'.repeat(65), 'has space', 'slash/name', 'ünï']) {
      expect((await check(SecretParamsDto, { installId, name })).problems).toEqual(['name']);
    }
    expect((await check(SecretParamsDto, { installId: 'nope', name: 'A' })).problems).toEqual(['installId']);
  });
});
