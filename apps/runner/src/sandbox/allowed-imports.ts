import { ALLOWED_COMPONENT_INTERFACES } from '@extplat/bundle';

/**
 * What a component may import (ARCHITECTURE §9.3): the world's own interfaces, plus the WASI interfaces a
 * component built with `disableFeatures: ['stdio', 'http', 'fetch-event']` needs, that is clocks and
 * random (so Date.now() and Math.random() are real) and the io streams behind cli/stderr. Nothing that
 * reaches the filesystem, the environment, stdin/stdout, sockets or wasi:http. The worker provides
 * exactly these; anything else would fail at instantiation, but is refused earlier, at load. One list
 * for finalize (libs/bundle, which also checks versions) and the Runner (jco reports unversioned names).
 */
export const ALLOWED_COMPONENT_IMPORTS: ReadonlySet<string> = new Set(ALLOWED_COMPONENT_INTERFACES.keys());

/** The imports outside the allowed set (version suffixes ignored), sorted; empty when all are allowed. */
export function disallowedImports(imports: Iterable<string>): string[] {
  const refused = new Set<string>();
  for (const name of imports) {
    const unversioned = name.replace(/@[^/@]*$/, '');
    if (!ALLOWED_COMPONENT_IMPORTS.has(unversioned)) refused.add(name);
  }
  return [...refused].sort();
}
