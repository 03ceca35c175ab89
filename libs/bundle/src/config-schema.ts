import { Ajv, type Options, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import RE2 from 're2';

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';

export type ConfigSchemaCompilation =
  | { ok: true; validate: ValidateFunction }
  | {
      ok: false;
      problem: string;
      /** JSON Pointer (RFC 6901) within the schema of the pattern that cannot be used, when it is one. */
      pointer?: string;
    };

/**
 * Every regular expression in a config schema (`pattern`, `patternProperties`, `propertyNames`...) comes
 * from a bundle, and the data it is matched against from a tenant: V8's backtracking RegExp would let one
 * pattern such as `^((a+)+|Hello)$` block the event loop for every tenant. RE2 matches in linear time; it
 * refuses what it cannot match that way (backreferences, lookaround), which makes such a schema unusable.
 */
const re2Engine: RegExpEngine = Object.assign((pattern: string, flags: string) => new RE2(pattern, flags), {
  code: 'require("re2")',
});

/**
 * Compiles the JSON Schema of an install config, as finalize (through the manifest rules), the CLI and the
 * install-time validator all must: one definition of what a usable schema is.
 *
 * A fresh Ajv instance per schema: Ajv caches every schema it compiles for its lifetime, so a shared one
 * would grow with every version ever validated. `strict: false` because a published schema may use keywords
 * or formats this platform does not know; those are ignored rather than making the extension unusable (no
 * format is enabled, so none compiles a regular expression either).
 */
export function compileConfigSchema(schema: Record<string, unknown>): ConfigSchemaCompilation {
  const options: Options = {
    allErrors: true,
    useDefaults: true,
    strict: false,
    logger: false,
    code: { regExp: re2Engine },
    // Checked against the meta-schema by a shared instance instead (see metaSchemaProblem).
    validateSchema: false,
  };
  // Every pattern, not only those Ajv compiles now (it skips unreferenced definitions and always-true
  // subschemas): whether a schema is accepted must not depend on how the validator optimises.
  const refused = firstUnsupportedPattern(schema);
  if (refused) {
    return {
      ok: false,
      pointer: refused.pointer,
      problem: `the pattern ${JSON.stringify(refused.pattern)} at ${refused.pointer} cannot be used: ${refused.reason} (patterns run on RE2, which has no backreferences or lookaround)`,
    };
  }
  const draft2020 = schema['$schema'] === DRAFT_2020;
  try {
    const problem = metaSchemaProblem(draft2020, schema);
    if (problem !== undefined) return { ok: false, problem };
    const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
    return { ok: true, validate: ajv.compile(schema) };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Compiling the meta-schema costs tens of milliseconds, far more than a config schema: one long-lived
 * instance per draft checks schemas against it. `validateSchema` keeps nothing of the schema it checks.
 */
const metaCheckers: { draft7?: Ajv; draft2020?: Ajv2020 } = {};

function metaSchemaProblem(draft2020: boolean, schema: Record<string, unknown>): string | undefined {
  const options: Options = { allErrors: true, strict: false, logger: false };
  const checker = draft2020
    ? (metaCheckers.draft2020 ??= new Ajv2020(options))
    : (metaCheckers.draft7 ??= new Ajv(options));
  if (checker.validateSchema(schema) === true) return undefined;
  return `schema is invalid: ${checker.errorsText(checker.errors)}`;
}

/** Keywords whose values are data, not schemas: a `pattern` inside them is not a regular expression. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);
/** Keywords whose values map arbitrary names to schemas: a key there is a name, never a keyword. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);

interface RefusedPattern {
  pointer: string;
  pattern: string;
  reason: string;
}

/** Finds a `pattern` or `patternProperties` key that RE2 refuses, to name it in the error. */
function firstUnsupportedPattern(root: unknown): RefusedPattern | undefined {
  const pending: { value: unknown; pointer: string; isMap: boolean }[] = [{ value: root, pointer: '', isMap: false }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, pointer, isMap } = next;
    if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, pointer: `${pointer}/${index}`, isMap: false }));
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (!isMap && key === 'pattern' && typeof child === 'string') {
        const reason = re2Refusal(child);
        if (reason) return { pointer: at, pattern: child, reason };
      }
      if (!isMap && key === 'patternProperties' && typeof child === 'object' && child !== null) {
        for (const name of Object.keys(child)) {
          const reason = re2Refusal(name);
          if (reason) return { pointer: `${at}/${escapePointer(name)}`, pattern: name, reason };
        }
      }
      if (!isMap && DATA_KEYWORDS.has(key)) continue;
      pending.push({
        value: child,
        pointer: at,
        isMap: !isMap && (SCHEMA_MAPS.has(key) || key === 'patternProperties'),
      });
    }
  }
  return undefined;
}

function re2Refusal(pattern: string): string | undefined {
  try {
    new RE2(pattern, 'u');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
