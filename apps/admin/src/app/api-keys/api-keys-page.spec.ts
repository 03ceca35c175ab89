import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';
import { ApiKeysPage } from './api-keys-page';

describe('ApiKeysPage', () => {
  it('creates a key for the tenant and shows the whole key once', async () => {
    sessionStorage.setItem(
      'extplat.session',
      JSON.stringify({
        accessToken: 't',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        principal: { kind: 'user', id: 'u', tenantId: 't1', role: 'tenant-admin', name: 'x' },
      }),
    );
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ApiKeysPage);
    fixture.detectChanges();
    http.expectOne('/api/api-keys').flush({ items: [], nextCursor: null });
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const name = element.querySelector<HTMLInputElement>('#key-name')!;
    name.value = 'ci';
    name.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    element.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const create = http.expectOne((request) => request.method === 'POST');
    expect(create.request.body).toEqual({ name: 'ci', role: 'member', tenantId: 't1' });
    const key = {
      id: 'k1',
      name: 'ci',
      prefix: 'extplat_ab',
      role: 'member',
      tenantId: 't1',
      createdBy: 'user:u',
      createdAt: new Date().toISOString(),
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    };
    create.flush({ ...key, key: 'extplat_ab_secret' });
    await new Promise((resolve) => setTimeout(resolve));
    http.expectOne('/api/api-keys').flush({ items: [key], nextCursor: null });
    // The list follows nextCursor (none here) before it resolves.
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
    fixture.detectChanges();
    expect(element.querySelector('[data-testid=new-key]')?.textContent).toContain('extplat_ab_secret');
    expect(element.querySelector('[data-testid=api-key-table]')?.textContent).not.toContain('extplat_ab_secret');
    expect(element.querySelector('[data-testid=api-key-table]')?.textContent).toContain('extplat_ab');
  });
});

describe('ApiKeysPage for a platform admin', () => {
  it("shows each key's tenant by name (the platform's own keys as platform) next to its role", async () => {
    sessionStorage.setItem(
      'extplat.session',
      JSON.stringify({
        accessToken: 't',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        principal: { kind: 'user', id: 'u', tenantId: null, role: 'platform-admin', name: 'x' },
      }),
    );
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ApiKeysPage);
    fixture.detectChanges();
    const key = (id: string, role: string, tenantId: string | null) => ({
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
    });
    http.expectOne('/api/api-keys').flush({
      items: [key('acme-ci', 'tenant-admin', 't1'), key('publish', 'platform-admin', null)],
      nextCursor: null,
    });
    http.expectOne('/api/tenants').flush({
      items: [{ id: 't1', slug: 'acme', name: 'Acme', createdAt: new Date().toISOString(), userCount: 1 }],
      nextCursor: null,
    });
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
    fixture.detectChanges();
    const rows = [...(fixture.nativeElement as HTMLElement).querySelectorAll('[data-testid=api-key-table] tbody tr')];
    const cells = rows.map((row) =>
      [...row.querySelectorAll('td')].slice(0, 4).map((cell) => cell.textContent?.trim()),
    );
    expect(cells).toEqual([
      ['acme-ci', 'extplat_acme-ci', 'tenant-admin', 'Acme'],
      ['publish', 'extplat_publish', 'platform-admin', 'platform'],
    ]);
  });
});
