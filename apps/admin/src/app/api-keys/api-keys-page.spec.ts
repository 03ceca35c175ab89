import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';
import { ApiKeysPage } from './api-keys-page';

function signInAs(role: string, tenantId: string | null): void {
  sessionStorage.setItem(
    'extplat.session',
    JSON.stringify({
      accessToken: 't',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      principal: { kind: 'user', id: 'u', tenantId, role, name: 'x' },
    }),
  );
}

function key(id: string, role: string, tenantId: string | null) {
  return {
    id,
    name: id,
    prefix: `extplat_${id}`,
    role,
    tenantId,
    createdBy: 'user:u',
    createdAt: new Date().toISOString(),
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  };
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
}

describe('ApiKeysPage', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('creates a key for the tenant and shows the whole key once', async () => {
    signInAs('tenant-admin', 't1');
    const fixture = TestBed.createComponent(ApiKeysPage);
    fixture.detectChanges();
    http.expectOne('/api/api-keys?limit=50').flush({ items: [], nextCursor: null });
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const name = element.querySelector<HTMLInputElement>('#key-name')!;
    name.value = 'ci';
    name.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    element.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const create = http.expectOne((request) => request.method === 'POST');
    expect(create.request.body).toEqual({ name: 'ci', role: 'member', tenantId: 't1' });
    const created = key('k1', 'member', 't1');
    create.flush({ ...created, key: 'extplat_ab_secret' });
    await settle();
    http.expectOne('/api/api-keys?limit=50').flush({ items: [created], nextCursor: null });
    await settle();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(element.querySelector('[data-testid=new-key]')?.textContent).toContain('extplat_ab_secret');
    expect(element.querySelector('[data-testid=api-key-table]')?.textContent).not.toContain('extplat_ab_secret');
    expect(element.querySelector('[data-testid=api-key-table]')?.textContent).toContain('extplat_k1');
  });

  it('searches by name on the server and reads on page by page, saying when more exist', async () => {
    signInAs('tenant-admin', 't1');
    const fixture = TestBed.createComponent(ApiKeysPage);
    fixture.detectChanges();
    http.expectOne('/api/api-keys?limit=50').flush({ items: [key('a', 'member', 't1')], nextCursor: 'c1' });
    await settle();
    fixture.detectChanges();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('[data-testid=api-key-count]')?.textContent).toContain('Showing 1 key (more below).');

    const search = element.querySelector<HTMLInputElement>('#key-search')!;
    search.value = 'De ploy ';
    search.dispatchEvent(new Event('input'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    http
      .expectOne('/api/api-keys?limit=50&q=De%20ploy')
      .flush({ items: [key('deploy-1', 'member', 't1')], nextCursor: 'c2' });
    await settle();
    fixture.detectChanges();
    const more = [...element.querySelectorAll('button')].find((button) => button.textContent?.includes('Show more'))!;
    more.click();
    http
      .expectOne('/api/api-keys?limit=50&q=De%20ploy&cursor=c2')
      .flush({ items: [key('deploy-2', 'member', 't1')], nextCursor: null });
    await settle();
    fixture.detectChanges();
    const names = [...element.querySelectorAll('[data-testid=api-key-table] tbody tr')].map((row) =>
      row.getAttribute('data-key'),
    );
    expect(names).toEqual(['deploy-1', 'deploy-2']);
    expect(element.querySelector('[data-testid=api-key-count]')?.textContent).toContain('Showing 2 keys.');
    expect([...element.querySelectorAll('button')].some((button) => button.textContent?.includes('Show more'))).toBe(
      false,
    );
  });

  it("shows each key's tenant by name (the platform's own keys as platform), fetching each name once", async () => {
    signInAs('platform-admin', null);
    const fixture = TestBed.createComponent(ApiKeysPage);
    fixture.detectChanges();
    http.expectOne('/api/api-keys?limit=50').flush({
      items: [
        key('acme-ci', 'tenant-admin', 't1'),
        key('acme-cd', 'member', 't1'),
        key('publish', 'platform-admin', null),
      ],
      nextCursor: null,
    });
    // The header's choice starts at the first page of tenants, which does not hold t1 here.
    http.expectOne('/api/tenants?limit=20').flush({ items: [], nextCursor: null });
    await settle();
    fixture.detectChanges();
    http
      .expectOne('/api/tenants/t1')
      .flush({ id: 't1', slug: 'acme', name: 'Acme', createdAt: new Date().toISOString() });
    await settle();
    fixture.detectChanges();
    const rows = [...(fixture.nativeElement as HTMLElement).querySelectorAll('[data-testid=api-key-table] tbody tr')];
    const cells = rows.map((row) =>
      [...row.querySelectorAll('td')].slice(0, 4).map((cell) => cell.textContent?.trim()),
    );
    expect(cells).toEqual([
      ['acme-ci', 'extplat_acme-ci', 'tenant-admin', 'Acme'],
      ['acme-cd', 'extplat_acme-cd', 'member', 'Acme'],
      ['publish', 'extplat_publish', 'platform-admin', 'platform'],
    ]);
  });
});
