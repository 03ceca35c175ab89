import { describe, expect, it } from '@jest/globals';
import { InstallConfigValidator, MAX_CONFIG_BYTES, sameJson } from './install-config.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl'],
  properties: {
    baseUrl: { type: 'string', minLength: 1 },
    retries: { type: 'integer', minimum: 0, maximum: 5, default: 3 },
    labels: { type: 'array', items: { type: 'string' } },
    nested: { type: 'object', properties: { depth: { type: 'integer', default: 1 } }, default: {} },
  },
};

describe('install config validation', () => {
  it('applies the schema defaults without touching the input', () => {
    const validator = new InstallConfigValidator();
    const input = { baseUrl: 'https://tickets.example.com' };
    const result = validator.validate('sha256:a', schema, input);
    expect(result).toEqual({
      ok: true,
      config: { baseUrl: 'https://tickets.example.com', retries: 3, nested: { depth: 1 } },
    });
    expect(input).toEqual({ baseUrl: 'https://tickets.example.com' });
  });

  it('reports every problem by path within the config', () => {
    const result = new InstallConfigValidator().validate('sha256:a', schema, {
      retries: 9,
      labels: ['ok', 7],
      surprise: true,
    });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'baseUrl', message: 'is required' },
        { path: 'surprise', message: 'is not a known setting' },
        { path: 'retries', message: 'must be <= 5' },
        { path: 'labels[1]', message: 'must be string' },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('accepts only an empty config for a version without a schema', () => {
    const validator = new InstallConfigValidator();
    expect(validator.validate('sha256:b', undefined, undefined)).toEqual({ ok: true, config: {} });
    expect(validator.validate('sha256:b', undefined, {})).toEqual({ ok: true, config: {} });
    expect(validator.validate('sha256:b', undefined, { a: 1 })).toMatchObject({ ok: false, issues: [{ path: '' }] });
  });

  it('refuses configs that are not objects or are too large', () => {
    const validator = new InstallConfigValidator();
    expect(validator.validate('sha256:a', schema, [1])).toMatchObject({ ok: false });
    const big = { baseUrl: 'x'.repeat(MAX_CONFIG_BYTES) };
    expect(validator.validate('sha256:a', { type: 'object' }, big)).toMatchObject({
      ok: false,
      issues: [{ path: '', message: expect.stringContaining('bytes') }],
    });
  });

  it('reports a schema it cannot compile instead of throwing', () => {
    const result = new InstallConfigValidator().validate(
      'sha256:c',
      { type: 'object', properties: { a: { $ref: '#/definitions/missing' } } },
      {},
    );
    expect(result).toMatchObject({ ok: false, issues: [{ path: '', message: expect.stringContaining('schema') }] });
  });

  it('understands draft 2020-12 schemas', () => {
    const result = new InstallConfigValidator().validate(
      'sha256:d',
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { tags: { type: 'array', prefixItems: [{ type: 'integer' }] } },
      },
      { tags: ['nope'] },
    );
    expect(result).toMatchObject({ ok: false, issues: [{ path: 'tags[0]' }] });
  });
});

describe('install config patterns', () => {
  it('matches a catastrophic pattern in linear time, with the right answers', () => {
    const validator = new InstallConfigValidator();
    const redos = { type: 'object', properties: { greeting: { type: 'string', pattern: '^((a+)+|Hello)$' } } };
    const started = performance.now();
    const refused = validator.validate('sha256:redos', redos, { greeting: `${'a'.repeat(31)}!` });
    // Generous on a loaded machine: V8's backtracking RegExp takes more than 30 s on this input.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(refused).toEqual({
      ok: false,
      issues: [{ path: 'greeting', message: 'must match pattern "^((a+)+|Hello)$"' }],
    });
    expect(validator.validate('sha256:redos', redos, { greeting: 'aaaa' })).toMatchObject({ ok: true });
  });

  it('cannot use a schema whose pattern RE2 refuses (a version published before that rule)', () => {
    const schema = { type: 'object', properties: { a: { type: 'string', pattern: '^(a)\\1$' } } };
    const result = new InstallConfigValidator().validate('sha256:e', schema, { a: 'aa' });
    expect(result).toMatchObject({
      ok: false,
      issues: [{ path: '', message: expect.stringContaining('at /properties/a/pattern cannot be used') }],
    });
  });
});

describe('config equality', () => {
  it('ignores the order of object keys, not the order of array items or the values', () => {
    expect(sameJson({ a: 1, b: { c: [1, 2], d: null } }, { b: { d: null, c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson({ a: '1' }, { a: 1 })).toBe(false);
  });
});
