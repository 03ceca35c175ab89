/**
 * The one rule for text that arrives from outside: no string (JSON value or key, query value, path
 * segment) may hold a NUL or a lone UTF-16 surrogate. PostgreSQL cannot store either in a text column,
 * and neither is ever meaningful in a name, a reason or a setting, so they are refused at the edge
 * instead of failing deep inside a query. Pure functions; the middlewares live in request-guards.ts.
 */

/** How deep a request body may nest (objects and arrays). Real bodies stay under ten. */
export const MAX_JSON_DEPTH = 64;

/** Body size cap of the JSON and form parsers (bytes); the gateway's bodies have their own cap. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export type TextProblem =
  | { kind: 'nul'; path: string }
  | { kind: 'lone-surrogate'; path: string }
  | { kind: 'too-deep'; path: string; maxDepth: number };

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` is unacceptable, or undefined. */
export function textProblem(text: string): 'nul' | 'lone-surrogate' | undefined {
  if (text.includes('\0')) return 'nul';
  if (LONE_SURROGATE.test(text)) return 'lone-surrogate';
  return undefined;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safe = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key.replace(/[\0\uD800-\uDFFF]/g, '?'));
  if (/^[A-Za-z_$]/.test(safe)) return parent ? `${parent}.${safe}` : safe;
  return `${parent}[${safe}]`;
}

/**
 * The first problem in a parsed value (keys and strings at any depth), walked without recursion so a
 * deeply nested value can neither overflow the stack here nor reach code that would recurse on it.
 */
export function findTextProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, root = ''): TextProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const kind = textProblem(item.value);
      if (kind) return { kind, path: item.path || '(value)' };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= maxDepth) return { kind: 'too-deep', path: item.path || '(value)', maxDepth };
    if (Array.isArray(item.value)) {
      item.value.forEach((child, index) =>
        stack.push({ value: child, path: childPath(item.path, index), depth: item.depth + 1 }),
      );
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const kind = textProblem(key);
      if (kind) return { kind, path: childPath(item.path, key) };
      stack.push({ value: child, path: childPath(item.path, key), depth: item.depth + 1 });
    }
  }
  return undefined;
}
