import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';

/** Lets the component's awaited calls resolve and its signals update. */
const settled = () => new Promise((resolve) => setTimeout(resolve));
import type { Install } from '@extplat/api-client';
import { ExtensionHost, uiUrl } from './extension-host';

const install = {
  id: 'i1',
  extension: { id: 'e1', name: 'com.acme.tickets', displayName: 'Tickets' },
  version: '1.0.0',
  contentHash: 'sha256:' + 'c'.repeat(64),
  enabled: true,
  ui: { type: 'iframe', entry: 'ui/index.html' },
} as Install;

function signIn(tenantId: string | null, role = 'member'): void {
  sessionStorage.setItem(
    'extplat.session',
    JSON.stringify({
      accessToken: 't',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      principal: { kind: 'user', id: 'u', tenantId, role, name: 'x' },
    }),
  );
}

async function render(installs: Install[] | null) {
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  const http = TestBed.inject(HttpTestingController);
  const fixture = TestBed.createComponent(ExtensionHost);
  fixture.componentRef.setInput('extensionId', 'com.acme.tickets');
  fixture.detectChanges();
  if (installs) {
    http.expectOne('/api/installs?extensions=com.acme.tickets&limit=1').flush({ items: installs, nextCursor: null });
    http.expectOne('/api/console-config').flush({ runnerPublicBase: 'http://runner.test:8081/' });
  }
  await settled();
  fixture.detectChanges();
  return fixture.nativeElement as HTMLElement;
}

describe('ExtensionHost', () => {
  beforeEach(() => sessionStorage.clear());

  it('frames the UI from the Runner in a sandbox without same-origin', async () => {
    signIn('t1');
    const element = await render([install]);
    const frame = element.querySelector('iframe')!;
    expect(frame.getAttribute('sandbox')).toBe('allow-scripts allow-forms');
    expect(frame.getAttribute('src')).toBe(
      `http://runner.test:8081/ext-ui/com.acme.tickets/${install.contentHash}/index.html`,
    );
  });

  it('says so when the install is disabled', async () => {
    signIn('t1');
    const element = await render([{ ...install, enabled: false }]);
    expect(element.querySelector('iframe')).toBeNull();
    expect(element.querySelector('[data-testid=host-message]')?.textContent).toContain('is disabled for your tenant');
  });

  it('says so when it is not installed', async () => {
    signIn('t1');
    const element = await render([]);
    expect(element.querySelector('[data-testid=host-message]')?.textContent).toContain('not installed');
  });

  it('tells platform admins they have no tenant to run extensions for', async () => {
    signIn(null, 'platform-admin');
    const element = await render(null);
    expect(element.querySelector('[data-testid=host-message]')?.textContent).toContain(
      'Platform admins have no tenant',
    );
  });
});

describe('uiUrl', () => {
  it('addresses the entry relative to its folder', () => {
    expect(
      uiUrl('https://r.example', 'com.a.b', { ...install, ui: { type: 'iframe', entry: 'ui/app/main.html' } }),
    ).toBe(`https://r.example/ext-ui/com.a.b/${install.contentHash}/main.html`);
  });
});
