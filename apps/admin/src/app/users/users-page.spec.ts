import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';
import { UsersPage } from './users-page';

const TENANT = { id: 't1', slug: 'acme', name: 'Acme', createdAt: new Date().toISOString() };

function user(id: string, email: string, role: string, tenantId: string | null) {
  return { id, email, role, tenantId, createdAt: new Date().toISOString(), disabledAt: null };
}

function signInAs(role: string, tenantId: string | null): void {
  sessionStorage.setItem(
    'extplat.session',
    JSON.stringify({
      accessToken: 't',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      principal: { kind: 'user', id: 'me', tenantId, role, name: 'me@x.test' },
    }),
  );
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
}

describe('UsersPage', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it("opens on a new tenant's first admin: lists that tenant and creates a tenant-admin in it", async () => {
    signInAs('platform-admin', null);
    const fixture = TestBed.createComponent(UsersPage);
    fixture.componentRef.setInput('tenant', 't1');
    fixture.componentRef.setInput('role', 'tenant-admin');
    fixture.detectChanges();
    // No tenant list is loaded whole: the header's choice starts at the first page, names come one by one.
    http.expectOne('/api/tenants?limit=20').flush({ items: [TENANT], nextCursor: null });
    http.expectOne('/api/users?tenantId=t1').flush({ items: [], nextCursor: null });
    http.expectOne('/api/tenants/t1').flush(TENANT);
    await settle();
    fixture.detectChanges();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('h3')?.textContent).toContain('First admin of Acme');

    const email = element.querySelector<HTMLInputElement>('#user-email')!;
    email.value = 'boss@acme.test';
    email.dispatchEvent(new Event('input'));
    const password = element.querySelector<HTMLInputElement>('#user-password')!;
    password.value = 'a long enough password';
    password.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    element.querySelector<HTMLButtonElement>('form button[type=submit]')!.click();
    const create = http.expectOne((request) => request.method === 'POST' && request.url === '/api/users');
    expect(create.request.body).toEqual({
      email: 'boss@acme.test',
      password: 'a long enough password',
      role: 'tenant-admin',
      tenantId: 't1',
    });
    create.flush(user('u1', 'boss@acme.test', 'tenant-admin', 't1'));
    await settle();
    http.expectOne('/api/users?tenantId=t1').flush({ items: [user('u1', 'boss@acme.test', 'tenant-admin', 't1')] });
    await settle();
    fixture.detectChanges();
    expect(element.querySelector('[data-testid=user-notice]')?.textContent).toContain(
      'Created boss@acme.test (tenant-admin).',
    );
    expect(element.querySelector('[data-testid=user-table]')?.textContent).toContain('Acme');
  });

  it('gives a tenant admin no tenant to choose and nothing to do to its own account', async () => {
    signInAs('tenant-admin', 't1');
    const fixture = TestBed.createComponent(UsersPage);
    fixture.detectChanges();
    http
      .expectOne('/api/users')
      .flush({ items: [user('me', 'me@x.test', 'tenant-admin', 't1'), user('u2', 'ann@x.test', 'member', 't1')] });
    await settle();
    fixture.detectChanges();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('#user-tenant')).toBeNull();
    expect(element.querySelector('#user-tenant-filter')).toBeNull();
    expect([...element.querySelectorAll('#user-role option')].map((option) => option.textContent?.trim())).toEqual([
      'tenant-admin',
      'member',
    ]);
    expect(element.querySelectorAll('tr[data-email="me@x.test"] button')).toHaveLength(0);
    const other = element.querySelector('tr[data-email="ann@x.test"]')!;
    expect(other.querySelector('[aria-label="Make ann@x.test tenant-admin"]')).not.toBeNull();

    other.querySelector<HTMLButtonElement>('[aria-label="Disable ann@x.test"]')!.click();
    const disable = http.expectOne('/api/users/u2/disable');
    expect(disable.request.method).toBe('POST');
    disable.flush({ ...user('u2', 'ann@x.test', 'member', 't1'), disabledAt: new Date().toISOString() });
    await settle();
    fixture.detectChanges();
    expect(other.querySelector('.badge')?.textContent?.trim()).toBe('disabled');
    expect(other.querySelector('[aria-label="Enable ann@x.test"]')).not.toBeNull();
  });

  it('gives the keyboard focus back to the button that started a change once it is done', async () => {
    signInAs('tenant-admin', 't1');
    const fixture = TestBed.createComponent(UsersPage);
    fixture.detectChanges();
    http.expectOne('/api/users').flush({
      items: [
        user('me', 'me@x.test', 'tenant-admin', 't1'),
        user('u2', 'ann@x.test', 'member', 't1'),
        user('u3', 'bob@x.test', 'member', 't1'),
      ],
    });
    await settle();
    fixture.detectChanges();
    const element = fixture.nativeElement as HTMLElement;
    const ann = () => element.querySelector('tr[data-email="ann@x.test"]')!;
    const answer = async (url: string, body: object) => {
      http.expectOne(url).flush(body);
      await settle();
      fixture.detectChanges();
      await fixture.whenStable();
    };

    // Disable: the button is disabled while the request runs (which drops the focus), then focused again.
    const disable = ann().querySelector<HTMLButtonElement>('[aria-label="Disable ann@x.test"]')!;
    disable.focus();
    disable.click();
    fixture.detectChanges();
    expect(disable.disabled).toBe(true);
    await answer('/api/users/u2/disable', { ...user('u2', 'ann@x.test', 'member', 't1'), disabledAt: 'now' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Enable ann@x.test');

    ann().querySelector<HTMLButtonElement>('[aria-label="Make ann@x.test tenant-admin"]')!.click();
    fixture.detectChanges();
    await answer('/api/users/u2/role', user('u2', 'ann@x.test', 'tenant-admin', 't1'));
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Make ann@x.test member');

    // A new password: the inline step closes and the focus is back on the row's "Reset password".
    ann().querySelector<HTMLButtonElement>('[aria-label="Reset the password of ann@x.test"]')!.click();
    fixture.detectChanges();
    await fixture.whenStable();
    expect(document.activeElement?.id).toBe('password-u2');
    ann().querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    fixture.detectChanges();
    await answer('/api/users/u2/password', user('u2', 'ann@x.test', 'tenant-admin', 't1'));
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Reset the password of ann@x.test');

    // A deleted row takes its buttons along: the focus goes to the Delete of the row that took its place.
    ann().querySelector<HTMLButtonElement>('[aria-label="Delete ann@x.test"]')!.click();
    fixture.detectChanges();
    await fixture.whenStable();
    [...ann().querySelectorAll<HTMLButtonElement>('button')]
      .find((button) => button.textContent?.trim() === 'Delete')!
      .click();
    fixture.detectChanges();
    const deletion = http.expectOne('/api/users/u2');
    expect(deletion.request.method).toBe('DELETE');
    deletion.flush(null);
    await settle();
    fixture.detectChanges();
    await fixture.whenStable();
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Delete bob@x.test');
  });
});
