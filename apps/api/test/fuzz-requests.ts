import fc from 'fast-check';

/**
 * Malformed-request generators for the route fuzzer (route-fuzz.int-spec.ts), driven by the OpenAPI
 * document. Each generator is named: a failure report says which one produced the request, and
 * FUZZ_GENERATORS_OFF can switch a named generator off while its bug is being fixed elsewhere.
 */

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  allOf?: JsonSchema[];
  $ref?: string;
  additionalProperties?: boolean | JsonSchema;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. `/api/installs/{installId}`. */
  path: string;
  parameters: OpenApiParameter[];
  /** Content types of the request body, the first one preferred; empty when the operation takes none. */
  bodyTypes: string[];
  bodySchema?: JsonSchema;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: OpenApiParameter[];
        requestBody?: { content: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
  components: { schemas: Record<string, JsonSchema> };
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      const content = operation.requestBody?.content ?? {};
      const bodyTypes = Object.keys(content);
      const schema = bodyTypes[0] ? content[bodyTypes[0]]?.schema : undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        bodyTypes,
        bodySchema: schema ? resolve(document, schema) : undefined,
      });
    }
  }
  return operations;
}

/** Inlines `$ref`s and single `allOf`s, so generators see plain schemas. */
function resolve(document: OpenApiDocument, schema: JsonSchema, depth = 0): JsonSchema {
  if (depth > 8) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolve(document, document.components.schemas[name] ?? {}, depth + 1);
  }
  if (schema.allOf?.length === 1) return resolve(document, { ...schema.allOf[0], ...schema, allOf: undefined }, depth);
  const resolved: JsonSchema = { ...schema };
  if (schema.properties) {
    resolved.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([key, value]) => [key, resolve(document, value, depth + 1)]),
    );
  }
  if (schema.items) resolved.items = resolve(document, schema.items, depth + 1);
  return resolved;
}

/** Values that exist in the fuzzed platform, so some requests get past lookups into deeper code. */
export interface Fixtures {
  /** By path/query/body field name: e.g. installId, uploadId, name, version, tenantId. */
  values: Record<string, string>;
}

export interface FuzzRequest {
  /** The generator that shaped this request (the first one named is the main mutation). */
  generators: readonly string[];
  method: string;
  /** Already percent-encoded, sent byte for byte. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | { chunkedBytes: number; fill: number };
}

// ---------------------------------------------------------------------------------------------------------
// Text that has broken servers before.

const NUL = '\u0000';
const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDFFF';

/** Strings for JSON bodies: JSON.stringify escapes lone surrogates, which JSON.parse turns back into them. */
const hostileString = (): fc.Arbitrary<{ tag: string; value: string }> =>
  fc.oneof(
    fc.constant({ tag: 'nul', value: `a${NUL}b` }),
    fc.constant({ tag: 'surrogate', value: `a${LONE_HIGH}b` }),
    fc.constant({ tag: 'surrogate', value: `${LONE_LOW}` }),
    fc.constant({ tag: 'huge-string', value: 'x'.repeat(1024 * 1024) }),
    fc.constant({ tag: 'control-chars', value: '\u0001\u001b[31m\r\n\t\u007f' }),
    fc.constant({ tag: 'unicode', value: '\u202e\ufeff\u{1F600}ß\u0301' }),
    fc.constant({ tag: 'empty-string', value: '' }),
    fc.string({ unit: 'binary', maxLength: 40 }).map((value) => ({ tag: textTag(value, 'random-string'), value })),
  );

/** Random text is tagged by what it holds, so a known failure class can be told (and switched) apart. */
function textTag(value: string, otherwise: string): string {
  if (value.includes(NUL)) return 'nul';
  if (/\p{Surrogate}/u.test(value.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return 'surrogate';
  return otherwise;
}

/** Path segments, already percent-encoded: NUL, encoded lone surrogates (WTF-8) and invalid UTF-8 included. */
const hostileSegment = (): fc.Arbitrary<{ tag: string; value: string }> =>
  fc.oneof(
    fc.constantFrom(
      { tag: 'path-nul', value: 'a%00b' },
      { tag: 'path-nul', value: '%00' },
      { tag: 'path-surrogate', value: 'a%ED%A0%80b' },
      { tag: 'path-bad-utf8', value: '%FF%FE' },
      { tag: 'path-bad-utf8', value: '%C0%AE%C0%AE' },
      { tag: 'path-bad-escape', value: '%zz' },
      { tag: 'path-bad-escape', value: '%' },
      { tag: 'path-dots', value: '%2e%2e' },
      { tag: 'path-slash', value: 'a%2Fb' },
      { tag: 'path-huge', value: 'a'.repeat(5000) },
      { tag: 'path-uuid-like', value: '00000000-0000-0000-0000-00000000000G' },
      { tag: 'path-uuid-upper', value: 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF' },
      { tag: 'path-number', value: '-1' },
      { tag: 'path-number', value: '1e309' },
      { tag: 'path-semver', value: '1.0.0-%00' },
      { tag: 'path-semver', value: '99999999999999999999.0.0' },
    ),
    fc
      .string({ unit: 'binary', maxLength: 30 })
      .map((value) => ({ tag: `path-${textTag(value, 'random')}`, value: encodeWtf8(value) })),
  );

/** Percent-encodes every code unit, lone surrogates as WTF-8 (encodeURIComponent throws on them). */
export function encodeWtf8(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    let codePoint = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      codePoint = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    const char = String.fromCodePoint(codePoint);
    if (/^[A-Za-z0-9._~-]$/.test(char)) {
      out += char;
      continue;
    }
    const bytes = codePoint >= 0xd800 && codePoint <= 0xdfff ? wtf8Bytes(codePoint) : Buffer.from(char, 'utf8');
    for (const byte of bytes) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function wtf8Bytes(unit: number): number[] {
  return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
}

/** Values of the wrong JSON type for any field. */
const wrongType = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, [], {}, [1, 'a'], { $gt: '' }, '', '1'),
    fc.integer(),
    fc.string({ maxLength: 10 }),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  );

// ---------------------------------------------------------------------------------------------------------
// A well-formed value for a schema, the base that mutations damage.

export function sampleOf(schema: JsonSchema | undefined, fixtures: Fixtures, field?: string): unknown {
  if (!schema) return {};
  if (field && fixtures.values[field] !== undefined && (schema.type ?? 'string') === 'string') {
    return fixtures.values[field];
  }
  if (schema.enum?.length) return schema.enum[0];
  // Examples cut short with an ellipsis ("sha256:9a5b…") are not values.
  if (schema.example !== undefined && !JSON.stringify(schema.example).includes('…')) return schema.example;
  switch (schema.type) {
    case 'object':
    case undefined: {
      if (!schema.properties) return {};
      return Object.fromEntries(
        Object.entries(schema.properties).map(([key, value]) => [key, sampleOf(value, fixtures, key)]),
      );
    }
    case 'array':
      return schema.items ? [sampleOf(schema.items, fixtures)] : [];
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    default:
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Bodies.

interface Body {
  tags: readonly string[];
  text?: string;
  bytes?: Buffer;
  chunked?: { chunkedBytes: number; fill: number };
}

function nested(depth: number, inner: string): string {
  return '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

/** A JSON body: a valid sample, or that sample with one kind of damage. */
function jsonBody(schema: JsonSchema | undefined, fixtures: Fixtures): fc.Arbitrary<Body> {
  const base = sampleOf(schema, fixtures);
  const record = (typeof base === 'object' && base !== null && !Array.isArray(base) ? base : {}) as Record<
    string,
    unknown
  >;
  const keys = Object.keys(schema?.properties ?? {});
  const key = keys.length ? fc.constantFrom(...keys) : fc.constant('field');
  const json = (tags: string[], value: unknown): Body => ({ tags, text: JSON.stringify(value) });
  return fc.oneof(
    fc.constant(json(['valid-sample'], record)),
    key.map((name) => {
      const copy = { ...record };
      delete copy[name];
      return json(['missing-field'], copy);
    }),
    fc
      .tuple(fc.string({ maxLength: 12 }), wrongType())
      .map(([name, value]) => json(['extra-field'], { ...record, [`x${name}`]: value })),
    fc.tuple(key, wrongType()).map(([name, value]) => json(['wrong-type'], { ...record, [name]: value })),
    fc.tuple(key, hostileString()).map(([name, s]) => json([s.tag], { ...record, [name]: s.value })),
    fc
      .tuple(key, hostileString())
      .map(([name, s]) => json([`${s.tag}-in-key`], { ...record, [`${name}${s.value.slice(0, 64)}`]: 'x' })),
    fc.tuple(key, hostileString()).map(([name, s]) => json([`${s.tag}-in-array`], { ...record, [name]: [s.value] })),
    fc
      .tuple(key, hostileString())
      .map(([name, s]) =>
        json([`${s.tag}-in-object`], { ...record, [name]: { k: s.value, [s.value.slice(0, 64)]: 1 } }),
      ),
    fc.tuple(key, fc.constantFrom(64, 1000, 5000, 100_000)).map(([name, depth]) => ({
      tags: ['deep-nesting'],
      text: JSON.stringify({ ...record, [name]: '__DEEP__' }).replace('"__DEEP__"', nested(depth, '1')),
    })),
    fc.constantFrom(5000, 100_000).map((depth) => ({
      tags: ['deep-nesting'],
      text: '['.repeat(depth) + ']'.repeat(depth),
    })),
    wrongType().map((value) => json(['wrong-top-level'], value)),
    fc.constantFrom(
      { tags: ['not-json'], text: '{"a":' },
      { tags: ['not-json'], text: "{'a':1}" },
      { tags: ['not-json'], text: 'null' },
      { tags: ['not-json'], text: '' },
      { tags: ['not-json'], text: '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}' },
      { tags: ['not-json'], text: '{"a":1,"a":2}' },
      { tags: ['not-json'], text: '1'.repeat(400) },
    ),
    fc.tuple(key, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([name, raw]) => ({
      tags: ['invalid-utf8'],
      bytes: Buffer.concat([
        Buffer.from(`{"${name}":"`),
        Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]),
        Buffer.from(raw),
        Buffer.from('"}'),
      ]),
    })),
    fc.constant({ tags: ['huge-body'], text: JSON.stringify({ ...record, pad: 'x'.repeat(3 * 1024 * 1024) }) }),
  );
}

/** A raw body, for byte-stream routes (the upload proxy). */
function binaryBody(): fc.Arbitrary<Body> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 4096 }).map((raw) => ({ tags: ['random-bytes'], bytes: Buffer.from(raw) })),
    fc.uint8Array({ maxLength: 4096 }).map((raw) => ({
      tags: ['zstd-magic-then-garbage'],
      bytes: Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from(raw)]),
    })),
    fc.constant({ tags: ['gzip-bytes'], bytes: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3]) }),
    fc.constant({ tags: ['empty-body'], bytes: Buffer.alloc(0) }),
    fc
      .constantFrom(1, 1024 * 1024 + 1)
      .map((extra) => ({ tags: ['chunked-longer-than-part'], chunked: { chunkedBytes: extra, fill: 0x28 } })),
  );
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/octet-stream',
  'application/zstd',
  'application/xml',
  '*/*',
  'application/json, text/plain',
];

// ---------------------------------------------------------------------------------------------------------
// Query strings and headers.

function queryValue(parameter: OpenApiParameter, fixtures: Fixtures): fc.Arbitrary<{ tag: string; value: string }> {
  const valid = String(sampleOf(parameter.schema, fixtures, parameter.name));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ tag: 'query-valid', value: encodeURIComponent(valid) }) },
    { weight: 1, arbitrary: hostileSegment().map((s) => ({ tag: s.tag.replace('path-', 'query-'), value: s.value })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { tag: 'query-wrong-type', value: 'abc' },
        { tag: 'query-wrong-type', value: '-5' },
        { tag: 'query-wrong-type', value: '1.5' },
        { tag: 'query-wrong-type', value: '9999999999999999999999' },
        { tag: 'query-wrong-type', value: 'NaN' },
        { tag: 'query-wrong-type', value: '' },
        { tag: 'query-huge', value: 'q'.repeat(9 * 1024) },
      ),
    },
  );
}

export interface RequestOptions {
  operation: Operation;
  fixtures: Fixtures;
  /** The Authorization header of the principal, if any. */
  authorization?: string;
  /** Generator tags that must not be produced (FUZZ_GENERATORS_OFF). */
  off: ReadonlySet<string>;
}

/**
 * Every malformed request the fuzzer may send to one operation as one principal; undefined where the
 * request would use a generator that is switched off (a filter would regenerate, and that can take long).
 */
export function requestFor(options: RequestOptions): fc.Arbitrary<FuzzRequest | undefined> {
  const { operation, fixtures } = options;
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  // Deleting the live fixtures would leave later batches nothing to reach deeper code with.
  const destructive = operation.method === 'DELETE';

  const segment = (name: string): fc.Arbitrary<{ tag: string; value: string }> => {
    const live = fixtures.values[name];
    const choices: fc.WeightedArbitrary<{ tag: string; value: string }>[] = [
      { weight: 1, arbitrary: fc.constant({ tag: 'path-absent-id', value: '00000000-0000-4000-8000-00000000dead' }) },
      { weight: 2, arbitrary: hostileSegment() },
    ];
    // Live values half the time, so the other parts of a request meet the code behind the lookups.
    if (live !== undefined && !destructive) {
      choices.push({ weight: 3, arbitrary: fc.constant({ tag: 'path-live', value: encodeURIComponent(live) }) });
    }
    return fc.oneof(...choices);
  };

  const path = fc.tuple(...pathParameters.map((parameter) => segment(parameter.name))).map((segments) => {
    let filled = operation.path;
    pathParameters.forEach((parameter, index) => {
      filled = filled.replace(`{${parameter.name}}`, segments[index]!.value);
    });
    return { path: filled, tags: segments.map((s) => s.tag) };
  });

  const query = fc
    .tuple(
      ...queryParameters.map((parameter) =>
        fc.option(
          queryValue(parameter, fixtures).map((value) => ({ ...value, name: parameter.name })),
          { nil: undefined, freq: parameter.required ? 8 : 3 },
        ),
      ),
      fc.option(fc.constantFrom('repeated', 'extra', 'many', 'bracket'), { nil: undefined }),
    )
    .map((values) => {
      const repeat = values.pop() as string | undefined;
      const parts: string[] = [];
      const tags: string[] = [];
      for (const value of values as ({ tag: string; value: string; name: string } | undefined)[]) {
        if (!value) continue;
        parts.push(`${value.name}=${value.value}`);
        tags.push(value.tag);
        if (repeat === 'repeated') parts.push(`${value.name}=${value.value}`);
        if (repeat === 'bracket') parts.push(`${value.name}[a][b]=1`);
      }
      if (repeat === 'extra') parts.push('unexpected=1', '__proto__[x]=1', 'constructor[prototype][x]=1');
      if (repeat === 'many') for (let i = 0; i < 300; i++) parts.push(`p${i}=${i}`);
      if (repeat) tags.push(`query-${repeat}`);
      return { query: parts.length ? `?${parts.join('&')}` : '', tags };
    });

  const body: fc.Arbitrary<Body | undefined> =
    operation.bodyTypes.length === 0
      ? fc.option(
          fc.constantFrom<Body>(
            { tags: ['unexpected-body'], text: '{"a":1}' },
            { tags: ['unexpected-body'], text: 'x' },
          ),
          { nil: undefined, freq: 3 },
        )
      : operation.bodyTypes[0] === 'application/json'
        ? jsonBody(operation.bodySchema, fixtures)
        : binaryBody();

  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant<string | undefined>(operation.bodyTypes[0]) },
    { weight: 1, arbitrary: fc.constant<string | undefined>(undefined) },
    { weight: 2, arbitrary: fc.constantFrom<string | undefined>(...CONTENT_TYPES) },
  );

  const extraHeaders = fc.option(
    fc.constantFrom(
      { tag: 'header-huge', headers: { 'x-fuzz': 'h'.repeat(9 * 1024) } },
      { tag: 'header-oversized', headers: { 'x-fuzz': 'h'.repeat(20 * 1024) } },
      {
        tag: 'header-many',
        headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-ext-fuzz-${i}`, String(i)])),
      },
      { tag: 'header-user-agent', headers: { 'user-agent': 'u'.repeat(9 * 1024) } },
      { tag: 'header-request-id', headers: { 'x-request-id': 'r'.repeat(2000) } },
      { tag: 'header-request-id', headers: { 'x-request-id': '\u00ff\u00fe<script>' } },
      { tag: 'header-obs-text', headers: { 'x-fuzz': '\u00ff\u0080\u00a0' } },
      { tag: 'header-bad-auth', headers: { authorization: 'Bearer \u00ff\u00fe' } },
      { tag: 'header-bad-auth', headers: { authorization: 'Bearer a.b.c' } },
      { tag: 'header-bad-auth', headers: { authorization: 'Basic YTpi' } },
      { tag: 'header-bad-auth', headers: { authorization: `Bearer ${'t'.repeat(8000)}` } },
      { tag: 'header-content-encoding', headers: { 'content-encoding': 'gzip' } },
      { tag: 'header-content-encoding', headers: { 'content-encoding': 'br, deflate' } },
      { tag: 'header-expect', headers: { expect: 'fancy-continue' } },
      { tag: 'header-accept', headers: { accept: 'application/xml' } },
    ),
    { nil: undefined, freq: 3 },
  );

  return fc
    .tuple(path, query, body, contentType, extraHeaders)
    .map(([p, q, b, type, extra]): FuzzRequest | undefined => {
      const tags = [...(b?.tags ?? []), ...p.tags, ...q.tags, ...(extra ? [extra.tag] : [])];
      const headers: Record<string, string> = {};
      if (options.authorization) headers['authorization'] = options.authorization;
      if (b && type) headers['content-type'] = type;
      Object.assign(headers, extra?.headers);
      const request: FuzzRequest = {
        generators: tags.filter((tag) => !['valid-sample', 'path-live', 'query-valid'].includes(tag)),
        method: operation.method,
        path: `${p.path}${q.query}`,
        headers,
        body: b?.chunked ?? b?.bytes ?? (b?.text !== undefined ? Buffer.from(b.text, 'utf8') : undefined),
      };
      return request.generators.some((tag) => options.off.has(tag)) ? undefined : request;
    });
}
