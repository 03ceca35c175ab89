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

async function render(
  role: string,
  page: { items: unknown[]; nextCursor: string | null } = { items: [extension], nextCursor: null },
) {
  signedInAs(role, 't1');
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  const http = TestBed.inject(HttpTestingController);
  const fixture = TestBed.createComponent(ExtensionList);
  fixture.detectChanges();
  http.expectOne((request) => request.url === '/api/extensions').flush(page);
  await settled();
  // The installs of the extensions on the page only, asked for by name.
  const installs = http.expectOne((request) => request.url === '/api/installs');
  expect(installs.request.params.get('extensions')).toBe(
    page.items.map((item) => (item as { name: string }).name).join(','),
  );
  installs.flush({ items: [install], nextCursor: null });
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

  it('says one extension in the singular and offers no update over a yanked latest version', async () => {
    const { element } = await render('tenant-admin');
    expect(element.querySelector('[data-testid=extension-count]')?.textContent?.trim()).toBe('1 extension.');
    expect(element.textContent).not.toContain('update available');
  });

  it('marks an install older than the published latest version as having an update', async () => {
    const published = { ...extension, latestVersion: { ...extension.latestVersion, status: 'published' } };
    const { element } = await render('tenant-admin', { items: [published], nextCursor: null });
    const cell = element.querySelector('[data-testid=installed-version]')!;
    expect(cell.querySelector('.badge.info')?.getAttribute('aria-label')).toBe('Update available: 1.2.0');
  });

  it('fetches one page at a time and the next only when asked, with the cursor', async () => {
    const second = { ...extension, id: 'e2', name: 'com.acme.second', displayName: 'Second' };
    const { fixture, http, element } = await render('tenant-admin', { items: [extension], nextCursor: 'c1' });
    expect(element.querySelector('[data-testid=extension-count]')?.textContent?.trim()).toBe(
      'First 1 extension; more below.',
    );
    // Nothing beyond the first page until asked.
    http.expectNone((request) => request.url === '/api/extensions');
    const more = [...element.querySelectorAll('button')].find((button) => button.textContent?.includes('Show more'))!;
    more.click();
    const next = http.expectOne((request) => request.url === '/api/extensions');
    expect(next.request.params.get('cursor')).toBe('c1');
    expect(next.request.params.get('limit')).toBe('50');
    next.flush({ items: [second], nextCursor: null });
    await settled();
    // The new page's installs only; the first page's stay as they were.
    const installs = http.expectOne((request) => request.url === '/api/installs');
    expect(installs.request.params.get('extensions')).toBe('com.acme.second');
    installs.flush({ items: [], nextCursor: null });
    await settled();
    fixture.detectChanges();
    expect(element.querySelectorAll('tr[data-extension]')).toHaveLength(2);
    expect(
      element.querySelector('tr[data-extension="com.acme.tickets"] [data-testid=installed-version]')?.textContent,
    ).toContain('1.1.0');
    expect(
      element.querySelector('tr[data-extension="com.acme.second"] [data-testid=installed-version]')?.textContent,
    ).toContain('not installed');
    expect(element.querySelector('[data-testid=extension-count]')?.textContent?.trim()).toBe('2 extensions.');
    expect([...element.querySelectorAll('button')].some((button) => button.textContent?.includes('Show more'))).toBe(
      false,
    );
  });
});
