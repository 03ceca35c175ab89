import { TestBed } from '@angular/core/testing';
import { PlatformStatus } from './platform-status';

async function render(fetchImpl: () => Promise<Response>): Promise<string> {
  vi.stubGlobal('fetch', vi.fn(fetchImpl));
  const fixture = TestBed.createComponent(PlatformStatus);
  fixture.detectChanges();
  await fixture.whenStable();
  fixture.detectChanges();
  return (fixture.nativeElement as HTMLElement).querySelector('[role=status]')?.textContent ?? '';
}

describe('PlatformStatus', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('says ready when /readyz answers 200', async () => {
    expect(await render(() => Promise.resolve(new Response('{}', { status: 200 })))).toBe('Platform ready');
  });

  it('says which way it is not ready on a 503', async () => {
    expect(await render(() => Promise.resolve(new Response('{}', { status: 503 })))).toContain('not ready');
  });

  it('says the API is unreachable when the request fails', async () => {
    expect(await render(() => Promise.reject(new TypeError('network')))).toBe('API unreachable');
  });
});
