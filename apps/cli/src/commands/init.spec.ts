import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateManifest } from '@extplat/bundle';
import { templateManifest } from './init.js';

const HANDLER = fileURLToPath(new URL('../../template/src/handler.js', import.meta.url));
const README = fileURLToPath(new URL('../../template/README.md', import.meta.url));

describe("the template's manifest", () => {
  const result = validateManifest(templateManifest('com.acme.hello', 'acme', 'Hello'));

  it('is valid', () => {
    expect(result.ok).toBe(true);
  });

  // The template's README once said API_TOKEN while the handler read api-token: the declared list is the
  // one place the name is written down, and the handler and README must use it.
  it('declares exactly the secrets the handler reads, and the README sets those names', () => {
    const declared = result.ok ? (result.manifest.secrets ?? []).map((secret) => secret.name) : [];
    const read = [...readFileSync(HANDLER, 'utf8').matchAll(/getSecret\('([^']+)'\)/g)].map((match) => match[1]);
    expect(read.length).toBeGreaterThan(0);
    expect(declared).toEqual([...new Set(read)]);
    const setInReadme = [...readFileSync(README, 'utf8').matchAll(/extctl secret set \S+ (\S+)/g)].map((m) => m[1]);
    expect(setInReadme.length).toBeGreaterThan(0);
    for (const name of setInReadme) expect(declared).toContain(name);
  });
});
