import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileConfigSchema } from '@extplat/bundle';

/** One problem in a config, by path within the config (`endpoint.timeout`, `hosts[2]`; '' is the whole config). */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Record<string, unknown> } | { ok: false; issues: ConfigIssue[] };

/** The same ceiling as the manifest's config schema: configs are settings, not data. */
export const MAX_CONFIG_BYTES = 64 * 1024;
const CACHED_VALIDATORS = 256;

/**
 * Validates install configs against the JSON Schema a version's manifest declares, applying the schema's
 * defaults. Compiled validators are cached per version (its content hash: a version never changes).
 * Schemas compile with the same rules as at publication ({@link compileConfigSchema}: patterns on RE2), so
 * a version registered before those rules still cannot run a backtracking pattern here.
 */
export class InstallConfigValidator {
  private readonly validators = new Map<string, ValidateFunction | { problem: string }>();

  validate(cacheKey: string, schema: Record<string, unknown> | undefined, input: unknown): ConfigResult {
    const config = input ?? {};
    if (!isPlainObject(config)) return fail('', 'must be a JSON object');
    const bytes = Buffer.byteLength(JSON.stringify(config), 'utf8');
    if (bytes > MAX_CONFIG_BYTES) return fail('', `is ${bytes} bytes as JSON; at most ${MAX_CONFIG_BYTES} are allowed`);
    if (schema === undefined) {
      // Without a schema nothing could check what the extension would be handed, so only "no config" fits.
      return Object.keys(config).length === 0
        ? { ok: true, config: {} }
        : fail('', 'this version declares no config schema, so its config must be empty');
    }
    const validator = this.validatorFor(cacheKey, schema);
    if ('problem' in validator) return fail('', `the version's config schema cannot be used: ${validator.problem}`);
    // Ajv writes defaults into the data it validates: work on a copy, never on the caller's object. A JSON
    // round trip, not structuredClone: the config is JSON anyway, and the copy gets this realm's prototypes.
    const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
    if (validator(copy)) return { ok: true, config: copy };
    return { ok: false, issues: (validator.errors ?? []).map(toIssue) };
  }

  private validatorFor(cacheKey: string, schema: Record<string, unknown>): ValidateFunction | { problem: string } {
    const cached = this.validators.get(cacheKey);
    if (cached) {
      // Map order is insertion order: re-inserting keeps recently used validators last, evicted last.
      this.validators.delete(cacheKey);
      this.validators.set(cacheKey, cached);
      return cached;
    }
    const compilation = compileConfigSchema(schema);
    const compiled = compilation.ok ? compilation.validate : { problem: compilation.problem };
    this.validators.set(cacheKey, compiled);
    if (this.validators.size > CACHED_VALIDATORS) {
      const oldest = this.validators.keys().next().value;
      if (oldest !== undefined) this.validators.delete(oldest);
    }
    return compiled;
  }
}

/** Whether two JSON values are equal, whatever the order of object keys (jsonb does not keep it). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function toIssue(error: ErrorObject): ConfigIssue {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  // Name the property itself for the keywords that are about a property the data lacks or should not have.
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const property = params.missingProperty ?? params.additionalProperty;
  if (property !== undefined) segments.push(property);
  const message =
    error.keyword === 'required'
      ? 'is required'
      : error.keyword === 'additionalProperties'
        ? 'is not a known setting'
        : (error.message ?? `fails ${error.keyword}`);
  return { path: joinPath(segments), message };
}

function joinPath(segments: string[]): string {
  return segments.reduce(
    (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment),
    '',
  );
}

function fail(path: string, message: string): ConfigResult {
  return { ok: false, issues: [{ path, message }] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
