import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';

/** Lets the component's awaited calls resolve and its signals update. */
const settled = () => new Promise((resolve) => setTimeout(resolve));
import { ExtensionList } from './extension-list';

const signedInAs = (role: string, tenantId: string | null) =>
  sessionStorage.setItem(
    'extplat.session',
    JSON.stringify({
      accessToken: 't',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      principal: { kind: 'user', id: 'u', tenantId, role, name: 'x' },
    }),
  );

const extension = {
  id: 'e1',
  name: 'com.acme.tickets',
  publisher: 'acme',
  displayName: 'Tickets',
  versionCount: 2,
  latestVersion: {
    id: 'v2',
    version: '1.2.0',
    contentHash: 'sha256:x',
    status: 'yanked',
    signatureStatus: 'verified',
    signer: 'acme',
    size: 1,
    publishedAt: '',
  },
};
const install = {
  id: 'i1',
  extension: { id: 'e1', name: 'com.acme.tickets' },
  version: '1.1.0',
  enabled: true,
  ui: null,
};

async function render(role: string) {
  signedInAs(role, 't1');
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  const http = TestBed.inject(HttpTestingController);
  const fixture = TestBed.createComponent(ExtensionList);
  fixture.detectChanges();
  http.expectOne((request) => request.url === '/api/extensions').flush({ items: [extension], nextCursor: null });
  http.expectOne('/api/installs').flush({ items: [install], nextCursor: null });
  await settled();
  fixture.detectChanges();
  return { fixture, http, element: fixture.nativeElement as HTMLElement };
}

describe('ExtensionList', () => {
  beforeEach(() => sessionStorage.clear());

  it('shows latest version, yanked marker, signature, signer and the installed version', async () => {
    const { element } = await render('tenant-admin');
    const row = element.querySelector('tr[data-extension="com.acme.tickets"]')!;
    expect(row.textContent).toContain('1.2.0');
    expect(row.textContent).toContain('yanked');
    expect(row.textContent).toContain('verified');
    expect(row.textContent).toContain('acme');
    expect(row.querySelector('[data-testid=installed-version]')?.textContent).toContain('1.1.0');
  });

  it('sets the explicit state on toggle and shows the result', async () => {
    const { fixture, http, element } = await render('tenant-admin');
    const toggle = element.querySelector<HTMLButtonElement>('[data-testid=enable-switch]')!;
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    toggle.click();
    const request = http.expectOne('/api/installs/i1/state');
    expect(request.request.method).toBe('PUT');
    expect(request.request.body).toEqual({ enabled: false });
    request.flush({ ...install, enabled: false });
    await settled();
    fixture.detectChanges();
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    expect(element.textContent).toContain('Disabled.');
  });

  it('shows the error when the switch fails', async () => {
    const { fixture, http, element } = await render('tenant-admin');
    element.querySelector<HTMLButtonElement>('[data-testid=enable-switch]')!.click();
    http
      .expectOne('/api/installs/i1/state')
      .flush(
        { error: { code: 'FORBIDDEN', message: 'Your role does not allow this' } },
        { status: 403, statusText: 'Forbidden' },
      );
    await settled();
    fixture.detectChanges();
    expect(element.textContent).toContain('Not allowed: Your role does not allow this');
  });

  it('gives members no switch', async () => {
    const { element } = await render('member');
    expect(element.querySelector('[data-testid=enable-switch]')).toBeNull();
    expect(element.textContent).toContain('enabled');
  });
});
