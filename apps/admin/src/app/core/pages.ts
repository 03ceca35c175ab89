/** A page of a list route: every list answers `{items, nextCursor}` (nextCursor null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/** Every item of a list route, following `nextCursor` page by page. */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** A list query without its blank values, so an empty search box sends no `q` at all. */
export function withoutBlanks<Query extends Record<string, string | undefined>>(query: Query): Partial<Query> {
  return Object.fromEntries(
    Object.entries(query).filter(([, value]) => value !== undefined && value.trim() !== ''),
  ) as Partial<Query>;
}
