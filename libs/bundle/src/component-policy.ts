import type { ComponentImport, WasmBinaryScan } from './component-imports.js';
import { printable } from './entry-path.js';
import type { BundleError } from './errors.js';
import { WIT_PACKAGE } from './wit.js';

const [WORLD_PACKAGE = '', WORLD_VERSION = ''] = WIT_PACKAGE.split('@');
const exactly = (version: string) => (candidate: string) => candidate === version;
/** WASI 0.2.x: the host is preview2-shim, which serves every 0.2 patch release. */
const wasiPreview2 = (candidate: string) => /^0\.2\.(0|[1-9]\d*)$/.test(candidate);

/**
 * The interfaces a component may import (ARCHITECTURE §9.3), with the versions the host provides: the world's
 * own interfaces, and of WASI only what the Runner's sandbox provides (apps/runner/src/sandbox/wasi.ts):
 * clocks, random, and the io streams behind cli/stderr. Nothing that reaches the filesystem, the
 * environment, stdin/stdout, sockets or wasi:http.
 */
export const ALLOWED_COMPONENT_INTERFACES: ReadonlyMap<string, (version: string) => boolean> = new Map([
  ...['types', 'log', 'context', 'secrets', 'http'].map(
    (name) => [`${WORLD_PACKAGE}/${name}`, exactly(WORLD_VERSION)] as const,
  ),
  ...[
    'wasi:clocks/monotonic-clock',
    'wasi:clocks/wall-clock',
    'wasi:random/random',
    'wasi:io/error',
    'wasi:io/poll',
    'wasi:io/streams',
    'wasi:cli/stderr',
  ].map((name) => [name, wasiPreview2] as const),
]);

/**
 * Whether the host can satisfy this top-level import: an allowed interface at a version the host has, or a
 * plain-named type equal to a type the component already has (the world's `use types.{request, response}`
 * becomes such imports), which brings in nothing but a name.
 */
export function isAllowedComponentImport(entry: ComponentImport): boolean {
  const at = entry.name.lastIndexOf('@');
  if (at > 0) return ALLOWED_COMPONENT_INTERFACES.get(entry.name.slice(0, at))?.(entry.name.slice(at + 1)) ?? false;
  return !entry.name.includes(':') && entry.kind === 'type' && entry.typeBound === 'eq';
}

/** The names of the imports outside the allowed set, without repeats, in the component's order. */
export function disallowedComponentImports(imports: readonly ComponentImport[]): string[] {
  return [...new Set(imports.filter((entry) => !isAllowedComponentImport(entry)).map((entry) => entry.name))];
}

/** Arguments of the BundleError to throw should this file be the manifest's entry. */
export type ComponentRefusal = ConstructorParameters<typeof BundleError>;

/** At most this many refused import names are reported, each cut to NAME_CHARS characters. */
const LISTED_IMPORTS = 20;
const NAME_CHARS = 200;

/**
 * Why the WebAssembly file at `path` cannot be an extension's entry, or null when it can. Kept small on
 * purpose: a bundle holds one per .wasm file until the manifest says which one is the entry.
 */
export function componentRefusal(path: string, scan: WasmBinaryScan): ComponentRefusal | null {
  switch (scan.kind) {
    case 'component': {
      const refused = disallowedComponentImports(scan.imports);
      if (refused.length === 0) return null;
      const listed = refused.slice(0, LISTED_IMPORTS).map((name) => printable(name.slice(0, NAME_CHARS)));
      const more = refused.length > listed.length ? ` and ${refused.length - listed.length} more` : '';
      return [
        'COMPONENT_IMPORTS_NOT_ALLOWED',
        `component "${path}" imports ${listed.join(', ')}${more}, which the platform does not provide; a component ` +
          `may import only the ${WORLD_PACKAGE} interfaces and WASI clocks, random, io and cli/stderr ` +
          `(extctl build leaves stdio and HTTP out)`,
        { entry: path, imports: listed, ...(more && { importCount: refused.length }) },
      ];
    }
    case 'core-module':
      return [
        'NOT_A_COMPONENT',
        `"${path}" is a core WebAssembly module, not a component; runtime wasm-component@1 needs a component ` +
          `built for the ${WIT_PACKAGE} world (extctl build makes one)`,
        { entry: path },
      ];
    case 'invalid':
      return [
        'INVALID_COMPONENT',
        `"${path}" is not a valid WebAssembly component: ${scan.reason} (at byte ${scan.offset})`,
        { entry: path, offset: scan.offset },
      ];
    case 'not-wasm':
      return notWebAssembly(path);
  }
}

export function notWebAssembly(path: string): ComponentRefusal {
  return [
    'NOT_A_COMPONENT',
    `"${path}" is not a WebAssembly binary; the manifest's entry must be the extension's component`,
    { entry: path },
  ];
}
