import { describe, expect, it } from '@jest/globals';
import { compileConfigSchema } from './config-schema.js';

function problemOf(schema: Record<string, unknown>): { problem: string; pointer?: string } {
  const result = compileConfigSchema(schema);
  if (result.ok) throw new Error('expected the schema to be refused');
  return result;
}

describe('compileConfigSchema', () => {
  it('matches a catastrophic pattern in linear time, with the right answers', () => {
    const result = compileConfigSchema({
      type: 'object',
      properties: { greeting: { type: 'string', pattern: '^((a+)+|Hello)$' } },
    });
    if (!result.ok) throw new Error(result.problem);
    const started = performance.now();
    expect(result.validate({ greeting: `${'a'.repeat(31)}!` })).toBe(false);
    expect(result.validate({ greeting: `${'a'.repeat(5000)}!` })).toBe(false);
    // Generous on a loaded machine: V8's backtracking RegExp takes more than 30 s on the first input.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.validate({ greeting: 'a'.repeat(31) })).toBe(true);
    expect(result.validate({ greeting: 'Hello' })).toBe(true);
  });

  it('runs patternProperties and propertyNames on RE2 too', () => {
    const result = compileConfigSchema({
      type: 'object',
      patternProperties: { '^((a+)+|x)$': { type: 'integer' } },
      propertyNames: { pattern: '^((b+)+|[a-z]+)$' },
    });
    if (!result.ok) throw new Error(result.problem);
    const started = performance.now();
    expect(result.validate({ [`${'b'.repeat(40)}!`]: 1 })).toBe(false);
    expect(result.validate({ [`${'a'.repeat(40)}`]: 'not an integer' })).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.validate({ aaa: 1, other: 'x' })).toBe(true);
  });

  it.each([
    ['a backreference', { properties: { a: { type: 'string', pattern: '^(x)\\1$' } } }, '/properties/a/pattern'],
    ['a lookahead', { properties: { a: { items: [{ pattern: 'a(?=b)' }] } } }, '/properties/a/items/0/pattern'],
    ['a lookbehind key', { patternProperties: { '(?<!x)y': {} } }, '/patternProperties/(?<!x)y'],
    ['a nested definition', { $defs: { 'a/b': { pattern: '(?!z)' } } }, '/$defs/a~1b/pattern'],
  ])('refuses %s, naming where it is', (_what, schema, pointer) => {
    const refused = problemOf({ type: 'object', ...schema });
    expect(refused.pointer).toBe(pointer);
    expect(refused.problem).toContain(`at ${pointer} cannot be used`);
    expect(refused.problem).toContain('RE2');
  });

  it('does not take data or property names for patterns', () => {
    const result = compileConfigSchema({
      type: 'object',
      properties: {
        pattern: { type: 'string', default: '(?=x)' },
        patternProperties: { type: 'object' },
        mode: { enum: [{ pattern: '(?=x)' }] },
      },
    });
    expect(result.ok).toBe(true);
  });

  it('reports other schema problems with their own message', () => {
    const refused = problemOf({ type: 'object', properties: { a: { $ref: '#/definitions/missing' } } });
    expect(refused.pointer).toBeUndefined();
    expect(refused.problem).toMatch(/missing/);
  });

  it('ignores unknown formats and keywords rather than refusing the schema', () => {
    const result = compileConfigSchema({
      type: 'object',
      'x-ui': { widget: 'color' },
      properties: { email: { type: 'string', format: 'regex' } },
    });
    if (!result.ok) throw new Error(result.problem);
    expect(result.validate({ email: '((a+)+' })).toBe(true);
  });
});
