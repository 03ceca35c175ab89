// Every environment variable the servers read is documented in docs/operations.md, and the README's
// configuration section points there. Reads the config sources as text: no variable can be added to
// the code without a row in the docs.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');
const SOURCES = [
  'apps/api/src/config/api-config.ts',
  'apps/runner/src/config/runner-config.ts',
  'libs/server-core/src/config/sections.ts',
];

export function variablesRead(source) {
  const names = new Set();
  for (const match of source.matchAll(
    /env\s*\.\s*(?:string|int|bool|url|list|oneOf|directory|has|raw)\(\s*'([A-Z][A-Z0-9_]+)'/g,
  )) {
    names.add(match[1]);
  }
  // readHttp(env, 'API', 8080) reads API_HOST and API_PORT.
  for (const match of source.matchAll(/readHttp\(\s*env,\s*'([A-Z]+)'/g)) {
    names.add(`${match[1]}_HOST`);
    names.add(`${match[1]}_PORT`);
  }
  return names;
}

describe('configuration documentation', () => {
  const operations = read('docs/operations.md');
  const names = new Set(SOURCES.flatMap((path) => [...variablesRead(read(path))]));

  it('finds the variables the servers read', () => {
    expect(names.size).toBeGreaterThan(40);
    expect([...names]).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'API_PORT', 'RUNNER_PORT', 'EXT_EGRESS_ALLOW_PRIVATE']),
    );
  });

  it('documents every one of them in docs/operations.md', () => {
    expect([...names].filter((name) => !operations.includes(`\`${name}\``))).toEqual([]);
  });

  it('sends README readers to docs/operations.md', () => {
    expect(read('README.md')).toContain('docs/operations.md');
  });
});
