import { describe, expect, it } from '@jest/globals';
import { CAPABILITY_CATALOG, describeCapability } from '@extplat/contracts';
import { KNOWN_CAPABILITIES, validateManifest } from './manifest.js';

function manifestWith(capabilities: string[]) {
  return {
    name: 'com.acme.tickets',
    publisher: 'acme',
    version: '1.0.0',
    runtime: 'wasm-component@1',
    entry: 'dist/main.wasm',
    capabilities,
    api: { endpoints: [] },
  };
}

// Consent screens explain capabilities from the contracts catalog: one the validator accepts without an
// entry would be granted unexplained.
describe('capability catalog against the manifest validator', () => {
  it('describes every capability a manifest may request', () => {
    const catalogued = Object.keys(CAPABILITY_CATALOG).sort();
    expect([...KNOWN_CAPABILITIES].sort()).toEqual(catalogued);
    for (const name of KNOWN_CAPABILITIES) expect(describeCapability(name)).toBe(CAPABILITY_CATALOG[name]);
  });

  it('has the validator accept every catalogued capability, and nothing outside it', () => {
    const all = validateManifest(manifestWith(Object.keys(CAPABILITY_CATALOG)));
    expect(all.ok).toBe(true);
    const unknown = validateManifest(manifestWith(['cap:teleport']));
    expect(unknown.ok).toBe(false);
  });
});
