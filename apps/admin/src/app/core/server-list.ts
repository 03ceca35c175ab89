import { computed, DestroyRef, inject, signal } from '@angular/core';
import { explain, type Explanation } from './api-error';
import type { Page } from './pages';

/** How long typing must pause before a search goes to the server. */
const SEARCH_PAUSE_MS = 250;

/**
 * A list paged and searched on the server: the first page of a query, then "more" pages appended by
 * `nextCursor`. An answer to an older query (the search box changed meanwhile) is dropped, so fast typing
 * never shows the rows of a stale search. Create it in an injection context (a component field).
 */
export class ServerList<Item, Query> {
  readonly items = signal<Item[]>([]);
  readonly loading = signal(false);
  readonly error = signal<Explanation | null>(null);
  readonly hasMore = computed(() => this.cursor() !== null);

  private readonly cursor = signal<string | null>(null);
  private query: Query | undefined;
  private generation = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly fetchPage: (query: Query, cursor: string | undefined) => Promise<Page<Item>>) {
    inject(DestroyRef).onDestroy(() => clearTimeout(this.searchTimer));
  }

  /** Loads `query` once typing pauses, so each keystroke does not cost a request. */
  search(query: Query): void {
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.load(query), SEARCH_PAUSE_MS);
  }

  /** Shows the first page of `query`. */
  load(query: Query): Promise<void> {
    clearTimeout(this.searchTimer);
    this.query = query;
    this.items.set([]);
    this.cursor.set(null);
    return this.fetch(undefined, false);
  }

  /** Appends the next page of the current query. */
  more(): Promise<void> {
    const cursor = this.cursor();
    return cursor === null ? Promise.resolve() : this.fetch(cursor, true);
  }

  /** Shows the current query again from its first page (after a change that may move rows). */
  reload(): Promise<void> {
    return this.query === undefined ? Promise.resolve() : this.load(this.query);
  }

  /** Puts the server's new version of one row in place. */
  replace(item: Item, same: (a: Item, b: Item) => boolean): void {
    this.items.update((items) => items.map((old) => (same(old, item) ? item : old)));
  }

  /** Drops one row (after it was deleted). */
  remove(match: (item: Item) => boolean): void {
    this.items.update((items) => items.filter((item) => !match(item)));
  }

  private async fetch(cursor: string | undefined, append: boolean): Promise<void> {
    const query = this.query;
    if (query === undefined) return;
    const generation = ++this.generation;
    this.loading.set(true);
    this.error.set(null);
    try {
      const page = await this.fetchPage(query, cursor);
      if (generation !== this.generation) return;
      this.items.update((items) => (append ? [...items, ...page.items] : page.items));
      this.cursor.set(page.nextCursor ?? null);
    } catch (failure) {
      if (generation === this.generation) this.error.set(explain(failure));
    } finally {
      if (generation === this.generation) this.loading.set(false);
    }
  }
}
