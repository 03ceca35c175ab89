import type { HttpClient } from '@angular/common/http';
import { firstValueFrom } from 'rxjs';
import type { Page } from './api.types';

/** Every item of a list route, following `nextCursor` page by page (lists answer `{items, nextCursor}`). */
export async function allPages<T>(http: HttpClient, url: string, params: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await firstValueFrom(http.get<Page<T>>(url, { params: cursor ? { ...params, cursor } : params }));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
