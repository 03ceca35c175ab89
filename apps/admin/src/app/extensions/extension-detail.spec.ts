import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';
import { ExtensionDetail } from './extension-detail';

/** Lets the component's awaited calls resolve and its signals update. */
const settled = () => new Promise((resolve) => setTimeout(resolve));

const NAME = 'com.acme.tickets';
const INSTALL_ID = '6f1c2a3b-1d2e-4f5a-8b9c-0123456789ab';

function event(seq: number, subject: string, type: string, data: Record<string, unknown> = {}) {
  return {
    seq,
    id: `ev${seq}`,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
    type,
    actor: { kind: 'user', id: 'u', name: 'Ada' },
    tenantId: 't1',
    subject,
    outcome: 'success',
    data,
    hash: 'h',
    prevHash: 'p',
  };
}

async function render() {
  sessionStorage.setItem(
    'extplat.session',
    JSON.stringify({
      accessToken: 't',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      principal: { kind: 'user', id: 'u', tenantId: 't1', role: 'tenant-admin', name: 'Ada' },
    }),
  );
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  const http = TestBed.inject(HttpTestingController);
  const fixture = TestBed.createComponent(ExtensionDetail);
  fixture.componentRef.setInput('name', NAME);
  fixture.detectChanges();
  http.expectOne(`/api/extensions/${NAME}`).flush({
    id: 'e1',
    name: NAME,
    publisher: 'acme',
    displayName: 'Tickets',
    versionCount: 1,
    latestVersion: null,
  });
  http
    .expectOne((request) => request.url === `/api/extensions/${NAME}/versions`)
    .flush({ items: [], nextCursor: null });
  http.expectOne('/api/installs?extensions=com.acme.tickets&limit=1').flush({
    items: [
      {
        id: INSTALL_ID,
        extension: { id: 'e1', name: NAME },
        version: '1.0.0',
        enabled: true,
        ui: null,
        capabilities: { requested: [], granted: [] },
        egress: { requested: [], granted: [] },
      },
    ],
    nextCursor: null,
  });
  await settled();
  return { fixture, http, element: fixture.nativeElement as HTMLElement };
}

const audit = (http: HttpTestingController, subject: string) =>
  http.expectOne((request) => request.url === '/api/audit' && request.params.get('subject') === subject);

describe('ExtensionDetail audit timeline', () => {
  beforeEach(() => sessionStorage.clear());

  it('merges both streams in order, shows words not ids, and pages the stream that has more', async () => {
    const { fixture, http, element } = await render();
    audit(http, `extension:${NAME}`).flush({
      items: [
        event(10, `extension:${NAME}@2.0.0`, 'version.yank', { reason: 'leaks tokens' }),
        event(6, `extension:${NAME}@1.0.0`, 'upload.finalize'),
      ],
      nextCursor: 'older',
    });
    audit(http, `install:${INSTALL_ID}`).flush({
      items: [
        event(9, `install:${INSTALL_ID}`, 'install.version-change', { from: '1.0.0', to: '2.0.0' }),
        event(3, `install:${INSTALL_ID}`, 'install.create', { version: '1.0.0' }),
      ],
      nextCursor: null,
    });
    await settled();
    fixture.detectChanges();
    const items = () => [...element.querySelectorAll('[data-testid=audit-timeline] li')];
    // Event 3 waits: the extension stream's next page may hold events between 6 and 3.
    expect(items().map((item) => item.getAttribute('data-type'))).toEqual([
      'version.yank',
      'install.version-change',
      'upload.finalize',
    ]);
    expect(items()[0].textContent).toContain('Version yanked');
    expect(items()[0].textContent).toContain('reason: leaks tokens');
    expect(items()[1].textContent).toContain('from 1.0.0 to 2.0.0');
    expect(element.querySelector('[data-testid=audit-timeline]')!.textContent).not.toContain(INSTALL_ID);

    const older = [...element.querySelectorAll('button')].find((button) =>
      button.textContent?.includes('older events'),
    )!;
    older.click();
    const next = audit(http, `extension:${NAME}`);
    expect(next.request.params.get('cursor')).toBe('older');
    // The install stream is complete: it is not asked again.
    http.expectNone((request) => request.params.get('subject') === `install:${INSTALL_ID}`);
    next.flush({
      items: [
        event(5, `extension:${NAME}@1.0.0`, 'version.unyank'),
        event(1, 'extension:com.acme.ticketsplus', 'upload.finalize'),
      ],
      nextCursor: null,
    });
    await settled();
    fixture.detectChanges();
    // Seq 1 belongs to another extension whose name merely starts with this one's.
    expect(items().map((item) => item.getAttribute('data-type'))).toEqual([
      'version.yank',
      'install.version-change',
      'upload.finalize',
      'version.unyank',
      'install.create',
    ]);
    expect([...element.querySelectorAll('button')].some((button) => button.textContent?.includes('older events'))).toBe(
      false,
    );
  });
});
