import { CommonErrors, DomainError } from './errors/domain-error.js';

/** Every list route answers `{items, nextCursor}` and takes `limit` (1..MAX_PAGE_LIMIT) and `cursor`. */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A keyset cursor: the sort key of the last item of a page, opaque to clients (base64url of a JSON array
 * of strings). The next page starts strictly after it, so inserts and deletes never repeat or skip items.
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key of `cursor`, which must have `arity` parts; anything else is 400 INVALID_CURSOR. */
export function decodeCursor(cursor: string, arity: number): string[] {
  const invalid = new DomainError(CommonErrors.INVALID_CURSOR, 'The cursor is not a nextCursor of this list');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(key) || key.length !== arity || !key.every((part) => typeof part === 'string')) throw invalid;
  return key;
}

/** The page of `limit` items out of `rows` (fetched with `limit + 1` to know whether more follow). */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => readonly string[],
  map: (row: Row) => Item,
): Page<Item> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(map), nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A cursor over (time, tie-break): the time as `Date.toISOString()` gives it and a unique tie-break (an id
 * or another unique column), each checked so the query never sees a value the database would refuse.
 */
export function decodeTimeCursor(cursor: string, tieBreak: 'uuid' | 'text'): { at: string; tieBreak: string } {
  const [at, key] = decodeCursor(cursor, 2) as [string, string];
  if (!ISO_TIME.test(at) || Number.isNaN(Date.parse(at)) || (tieBreak === 'uuid' && !UUID.test(key))) {
    throw new DomainError(CommonErrors.INVALID_CURSOR, 'The cursor is not a nextCursor of this list');
  }
  return { at, tieBreak: key };
}
