import { describe, expect, it } from '@jest/globals';
import type { ComponentImport, WasmBinaryScan } from './component-imports.js';
import {
  componentRefusal,
  disallowedComponentImports,
  isAllowedComponentImport,
  type ComponentRefusal,
} from './component-policy.js';

const instance = (name: string): ComponentImport => ({ name, kind: 'instance' });

function refusal(scan: WasmBinaryScan): ComponentRefusal {
  const found = componentRefusal('dist/main.wasm', scan);
  if (!found) throw new Error('expected the component to be refused');
  return found;
}

describe('isAllowedComponentImport', () => {
  it.each([
    'extplat:extension/types@1.0.0',
    'extplat:extension/log@1.0.0',
    'extplat:extension/context@1.0.0',
    'extplat:extension/secrets@1.0.0',
    'extplat:extension/http@1.0.0',
    'wasi:clocks/monotonic-clock@0.2.12',
    'wasi:clocks/wall-clock@0.2.0',
    'wasi:random/random@0.2.3',
    'wasi:io/poll@0.2.12',
    'wasi:io/error@0.2.12',
    'wasi:io/streams@0.2.12',
    'wasi:cli/stderr@0.2.12',
  ])('allows %s', (name) => {
    expect(isAllowedComponentImport(instance(name))).toBe(true);
  });

  it.each([
    ['stdout', 'wasi:cli/stdout@0.2.12'],
    ['the environment', 'wasi:cli/environment@0.2.12'],
    ['the filesystem', 'wasi:filesystem/types@0.2.12'],
    ['wasi:http', 'wasi:http/outgoing-handler@0.2.10'],
    ['sockets', 'wasi:sockets/tcp@0.2.12'],
    // The Runner's sandbox provides wasi:random/random only (apps/runner/src/sandbox/wasi.ts).
    ['insecure random', 'wasi:random/insecure@0.2.12'],
    ['insecure seed', 'wasi:random/insecure-seed@0.2.12'],
    ['an allowed interface without a version', 'wasi:io/poll'],
    ['WASI 0.3', 'wasi:io/poll@0.3.0'],
    ['a WASI release candidate', 'wasi:io/poll@0.2.0-rc-2023-11-10'],
    ['a version with a leading zero', 'wasi:io/poll@0.2.01'],
    ['another version of the world', 'extplat:extension/log@2.0.0'],
    ['an interface the world does not have', 'extplat:extension/kv@1.0.0'],
    ['a look-alike package', 'extplat:extensions/log@1.0.0'],
    ['a plain-named instance', 'log'],
  ])('refuses %s', (_case, name) => {
    expect(isAllowedComponentImport(instance(name))).toBe(false);
  });

  it('allows plain-named types equal to a known type (the world’s `use types.{request, response}`) and nothing else plain', () => {
    expect(isAllowedComponentImport({ name: 'request', kind: 'type', typeBound: 'eq' })).toBe(true);
    expect(isAllowedComponentImport({ name: 'request', kind: 'type', typeBound: 'sub-resource' })).toBe(false);
    expect(isAllowedComponentImport({ name: 'run', kind: 'func' })).toBe(false);
    expect(isAllowedComponentImport({ name: 'wasi:io/poll', kind: 'type', typeBound: 'eq' })).toBe(false);
  });
});

describe('componentRefusal', () => {
  it('accepts a component importing only what the host provides', () => {
    const imports = [instance('extplat:extension/log@1.0.0'), instance('wasi:io/poll@0.2.3')];
    expect(componentRefusal('dist/main.wasm', { kind: 'component', imports })).toBeNull();
  });

  it('names each refused import once, in the component’s order', () => {
    const imports = [
      'wasi:cli/stdout@0.2.3',
      'wasi:io/poll@0.2.3',
      'wasi:filesystem/types@0.2.3',
      'wasi:cli/stdout@0.2.3',
    ];
    expect(disallowedComponentImports(imports.map(instance))).toEqual([
      'wasi:cli/stdout@0.2.3',
      'wasi:filesystem/types@0.2.3',
    ]);
    const [code, message, details] = refusal({ kind: 'component', imports: imports.map(instance) });
    expect(code).toBe('COMPONENT_IMPORTS_NOT_ALLOWED');
    expect(message).toContain('component "dist/main.wasm" imports wasi:cli/stdout@0.2.3, wasi:filesystem/types@0.2.3,');
    expect(details).toEqual({
      entry: 'dist/main.wasm',
      imports: ['wasi:cli/stdout@0.2.3', 'wasi:filesystem/types@0.2.3'],
    });
  });

  it('lists at most 20 refused names, each cut short and made printable', () => {
    const imports = Array.from({ length: 30 }, (_, i) => instance(`evil:pkg/i${i}\n${'x'.repeat(500)}@1.0.0`));
    const [, message, details = {}] = refusal({ kind: 'component', imports });
    expect(message).toContain('and 10 more');
    expect(details['importCount']).toBe(30);
    const listed = details['imports'] as string[];
    expect(listed).toHaveLength(20);
    expect(listed[0]).toMatch(/^evil:pkg\/i0\\u000ax+$/);
    expect(listed[0]?.length).toBeLessThan(210);
  });

  it('refuses core modules, malformed components and files that are not WebAssembly', () => {
    expect(componentRefusal('dist/main.wasm', { kind: 'core-module' })?.[0]).toBe('NOT_A_COMPONENT');
    expect(componentRefusal('dist/main.wasm', { kind: 'not-wasm' })?.[0]).toBe('NOT_A_COMPONENT');
    expect(
      componentRefusal('dist/main.wasm', { kind: 'invalid', reason: 'unknown section id 14', offset: 11 }),
    ).toEqual([
      'INVALID_COMPONENT',
      '"dist/main.wasm" is not a valid WebAssembly component: unknown section id 14 (at byte 11)',
      { entry: 'dist/main.wasm', offset: 11 },
    ]);
  });
});
