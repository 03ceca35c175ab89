import { describe, expect, it } from '@jest/globals';
import { disallowedImports } from './allowed-imports.js';

// What jco-transpile reports for a component built like `extctl build` does (measured on the probe guest).
const BUILT_BY_EXTCTL = [
  'extplat:extension/context',
  'extplat:extension/http',
  'extplat:extension/log',
  'extplat:extension/secrets',
  'wasi:cli/stderr',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/random',
];

describe('disallowedImports', () => {
  it('allows the world and the WASI set of an extctl build', () => {
    expect(disallowedImports(BUILT_BY_EXTCTL)).toEqual([]);
  });

  it('ignores version suffixes', () => {
    expect(disallowedImports(['extplat:extension/log@1.0.0', 'wasi:io/streams@0.2.12'])).toEqual([]);
  });

  it('names every import beyond the set, sorted and once', () => {
    expect(
      disallowedImports([
        ...BUILT_BY_EXTCTL,
        'wasi:http/outgoing-handler',
        'wasi:filesystem/preopens',
        'wasi:cli/stdout@0.2.12',
        'wasi:cli/environment',
        'wasi:filesystem/preopens',
        'extplat:extension/kv',
      ]),
    ).toEqual([
      'extplat:extension/kv',
      'wasi:cli/environment',
      'wasi:cli/stdout@0.2.12',
      'wasi:filesystem/preopens',
      'wasi:http/outgoing-handler',
    ]);
  });

  it('does not accept a look-alike package', () => {
    expect(disallowedImports(['extplat:extensions/log', 'wasi:random/insecure'])).toEqual([
      'extplat:extensions/log',
      'wasi:random/insecure',
    ]);
  });
});
