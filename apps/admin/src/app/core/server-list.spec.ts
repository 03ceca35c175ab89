import { TestBed } from '@angular/core/testing';
import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import type { Page } from './pages';
import { withoutBlanks } from './pages';
import { ServerList } from './server-list';

/** A page answer the test resolves when it wants, to order answers as a slow network would. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ServerList', () => {
  const calls: { query: string; cursor: string | undefined; answer: ReturnType<typeof deferred<Page<string>>> }[] = [];
  let list: ServerList<string, string>;

  beforeEach(() => {
    calls.length = 0;
    list = TestBed.runInInjectionContext(
      () =>
        new ServerList<string, string>((query, cursor) => {
          const answer = deferred<Page<string>>();
          calls.push({ query, cursor, answer });
          return answer.promise;
        }),
    );
  });

  it('shows the first page, then appends the next one by its cursor until there is none', async () => {
    const first = list.load('a');
    expect(list.loading()).toBe(true);
    calls[0].answer.resolve({ items: ['ann', 'anna'], nextCursor: 'c1' });
    await first;
    expect(list.items()).toEqual(['ann', 'anna']);
    expect(list.hasMore()).toBe(true);

    const second = list.more();
    expect(calls[1]).toMatchObject({ query: 'a', cursor: 'c1' });
    calls[1].answer.resolve({ items: ['anne'], nextCursor: null });
    await second;
    expect(list.items()).toEqual(['ann', 'anna', 'anne']);
    expect(list.hasMore()).toBe(false);
    expect(list.loading()).toBe(false);
  });

  it('drops the answer to a search that was replaced while it was on its way', async () => {
    const older = list.load('a');
    const newer = list.load('ab');
    calls[1].answer.resolve({ items: ['abe'], nextCursor: null });
    await newer;
    calls[0].answer.resolve({ items: ['ann', 'abe'], nextCursor: 'c1' });
    await older;
    expect(list.items()).toEqual(['abe']);
    expect(list.hasMore()).toBe(false);
  });

  it("says what failed, with the API's code", async () => {
    const load = list.load('a');
    calls[0].answer.reject(
      new HttpErrorResponse({
        status: 400,
        error: { error: { code: 'INVALID_CURSOR', message: 'bad cursor' }, requestId: 'r1' },
        headers: new HttpHeaders(),
      }),
    );
    await load;
    expect(list.error()).toMatchObject({ code: 'INVALID_CURSOR', requestId: 'r1' });
    expect(list.loading()).toBe(false);
  });

  it('keeps blank query values out of the request', () => {
    expect(withoutBlanks({ q: '  ', tenantId: 't1', cursor: undefined })).toEqual({ tenantId: 't1' });
  });
});
