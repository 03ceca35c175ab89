import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { VersionDetail } from '@extplat/api-client';
import { InstallForm } from './install-form';

/** Lets the component's awaited calls resolve and its signals update. */
const settled = () => new Promise((resolve) => setTimeout(resolve));

const version = {
  extension: 'com.acme.tickets',
  version: '1.0.0',
  capabilities: ['cap:log.emit', 'cap:secrets.get'],
  egress: ['https://api.example.com'],
} as VersionDetail;

function signInAsTenantAdmin(): void {
  sessionStorage.setItem(
    'extplat.session',
    JSON.stringify({
      accessToken: 't',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      principal: { kind: 'user', id: 'u', tenantId: 't1', role: 'tenant-admin', name: 'x' },
    }),
  );
}

function render() {
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
  const fixture = TestBed.createComponent(InstallForm);
  fixture.componentRef.setInput('version', version);
  fixture.detectChanges();
  const element = fixture.nativeElement as HTMLElement;
  const boxes = () => [...element.querySelectorAll<HTMLInputElement>('fieldset input[type=checkbox]')];
  const button = (text: string) =>
    [...element.querySelectorAll<HTMLButtonElement>('button')].find((candidate) =>
      candidate.textContent?.includes(text),
    )!;
  return { fixture, element, boxes, button, http: TestBed.inject(HttpTestingController) };
}

describe('InstallForm consent', () => {
  beforeEach(() => {
    sessionStorage.clear();
    signInAsTenantAdmin();
  });

  it('grants nothing until asked, and explains each request from the catalog', async () => {
    const { fixture, element, boxes } = render();
    await settled();
    fixture.detectChanges();
    expect(boxes()).toHaveLength(3);
    expect(boxes().every((box) => !box.checked)).toBe(true);
    expect(element.querySelector('[data-testid=grant-summary]')?.textContent).toContain(
      'Nothing granted yet: this version requests 3 permissions.',
    );
    const text = element.textContent ?? '';
    expect(text).toContain('Read the secrets you set');
    expect(text).toContain('high risk');
    expect(text).toContain('Send requests to api.example.com');
  });

  it('grants everything the version requests in one explicit action, and sends exactly that', async () => {
    const { fixture, element, boxes, button, http } = render();
    button('Grant everything this version requests').click();
    fixture.detectChanges();
    await settled();
    fixture.detectChanges();
    expect(boxes().every((box) => box.checked)).toBe(true);
    expect(element.querySelector('[data-testid=grant-summary]')?.textContent).toContain(
      '3 of 3 requested permissions granted.',
    );
    expect(button('Grant everything this version requests').disabled).toBe(true);
    button('Install').click();
    await settled();
    const request = http.expectOne('/api/installs');
    expect(request.request.body).toMatchObject({
      grant: { capabilities: ['cap:log.emit', 'cap:secrets.get'], egress: ['https://api.example.com'] },
    });
  });
});
