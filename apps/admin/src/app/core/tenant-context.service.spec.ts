import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';
import { TenantContext } from './tenant-context.service';

const ACME = { id: 't1', slug: 'acme', name: 'Acme', createdAt: new Date().toISOString() };
const GLOBEX = { id: 't2', slug: 'globex', name: 'Globex', createdAt: new Date().toISOString() };

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  TestBed.tick();
}

describe('TenantContext for a platform admin', () => {
  let http: HttpTestingController;
  let context: TenantContext;

  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    sessionStorage.setItem(
      'extplat.session',
      JSON.stringify({
        accessToken: 't',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        principal: { kind: 'user', id: 'me', tenantId: null, role: 'platform-admin', name: 'me' },
      }),
    );
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('replaces a remembered tenant that is gone with the first one by slug, asking for one page only', async () => {
    localStorage.setItem('extplat.tenant', 'gone');
    context = TestBed.inject(TenantContext);
    TestBed.tick();
    http
      .expectOne('/api/tenants/gone')
      .flush(
        { error: { code: 'TENANT_NOT_FOUND', message: 'No tenant has that id' }, requestId: 'r' },
        { status: 404, statusText: 'Not Found' },
      );
    await settle();
    http.expectOne('/api/tenants?limit=20').flush({ items: [ACME], nextCursor: 'more' });
    await settle();
    expect(context.tenantId()).toBe('t1');
    expect(context.tenant()?.name).toBe('Acme');
    expect(localStorage.getItem('extplat.tenant')).toBe('t1');
  });

  it('keeps a remembered tenant when looking it up fails for another reason', async () => {
    localStorage.setItem('extplat.tenant', 't2');
    context = TestBed.inject(TenantContext);
    TestBed.tick();
    http.expectOne('/api/tenants/t2').flush(null, { status: 503, statusText: 'Unavailable' });
    await settle();
    expect(context.tenantId()).toBe('t2');
    expect(context.tenant()).toBeNull();
  });

  it('names a tenant from one request, once, showing its id until the name arrives', async () => {
    localStorage.setItem('extplat.tenant', 't1');
    context = TestBed.inject(TenantContext);
    TestBed.tick();
    http.expectOne('/api/tenants/t1').flush(ACME);
    await settle();
    expect(context.nameOf('t1')).toBe('Acme');
    expect(context.nameOf('t2')).toBe('t2');
    expect(context.nameOf('t2')).toBe('t2');
    http.expectOne('/api/tenants/t2').flush(GLOBEX);
    await settle();
    expect(context.nameOf('t2')).toBe('Globex');
    context.remember([{ ...GLOBEX, name: 'Globex Renamed' }]);
    expect(context.nameOf('t2')).toBe('Globex Renamed');
  });
});
