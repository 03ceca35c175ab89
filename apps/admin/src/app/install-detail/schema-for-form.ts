/**
 * The extension author's config schema, reduced to what a form may be drawn from. ngx-formly merges a
 * schema's `widget.formlyConfig` into the fields it builds, at any depth, and that can carry templates,
 * trusted HTML, wrappers and string expressions: markup and code chosen by the author, shown to the admins
 * who install the extension. The manifest check lets unknown keywords through, so every `widget` keyword is
 * dropped here. Property names are left alone: a config field may well be called "widget".
 */
export function schemaForForm(schema: Record<string, unknown>): Record<string, unknown> {
  return subschema(schema) as Record<string, unknown>;
}

/** Keywords whose value is one schema. */
const ONE_SCHEMA = [
  'additionalProperties',
  'additionalItems',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'];

function subschema(value: unknown): unknown {
  if (!isObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [keyword, inner] of Object.entries(value)) {
    if (keyword === 'widget') continue;
    if (ONE_SCHEMA.includes(keyword)) copy[keyword] = subschema(inner);
    else if (SCHEMA_LIST.includes(keyword)) copy[keyword] = Array.isArray(inner) ? inner.map(subschema) : inner;
    else if (SCHEMA_MAP.includes(keyword) && isObject(inner)) copy[keyword] = mapValues(inner, subschema);
    // `items` is one schema, or (draft 4–7) a list of them; `dependencies` maps names to schemas or lists.
    else if (keyword === 'items') copy[keyword] = Array.isArray(inner) ? inner.map(subschema) : subschema(inner);
    else if (keyword === 'dependencies' && isObject(inner)) copy[keyword] = mapValues(inner, subschema);
    // Data (default, enum, const, examples) and plain keywords are kept as they are.
    else copy[keyword] = inner;
  }
  return copy;
}

function mapValues(record: Record<string, unknown>, map: (value: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, map(value)]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
