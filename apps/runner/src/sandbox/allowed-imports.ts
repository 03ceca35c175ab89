/**
 * What a component may import (ARCHITECTURE §6): the world's own interfaces, plus the WASI interfaces a
 * component built with `disableFeatures: ['stdio', 'http', 'fetch-event']` needs, that is clocks and
 * random (so Date.now() and Math.random() are real) and the io streams behind cli/stderr. Nothing that
 * reaches the filesystem, the environment, stdin/stdout, sockets or wasi:http. The worker provides
 * exactly these; anything else would fail at instantiation, but is refused earlier, at load.
 */
export const ALLOWED_COMPONENT_IMPORTS: ReadonlySet<string> = new Set([
  'extplat:extension/types',
  'extplat:extension/log',
  'extplat:extension/context',
  'extplat:extension/secrets',
  'extplat:extension/http',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:random/random',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:cli/stderr',
]);

/** The imports outside the allowed set (version suffixes ignored), sorted; empty when all are allowed. */
export function disallowedImports(imports: Iterable<string>): string[] {
  const refused = new Set<string>();
  for (const name of imports) {
    const unversioned = name.replace(/@[^/@]*$/, '');
    if (!ALLOWED_COMPONENT_IMPORTS.has(unversioned)) refused.add(name);
  }
  return [...refused].sort();
}
