import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { Install } from '@extplat/api-client';
import { ConfigForm } from './config-form';

const SCHEMA = {
  type: 'object',
  properties: {
    greeting: { type: 'string', title: 'Greeting', description: 'Shown above every answer.', default: 'Hello' },
    mode: { type: 'string', title: 'Mode', enum: ['fast', 'safe'] },
    endpoint: {
      type: 'object',
      title: 'Endpoint',
      properties: { timeoutSeconds: { type: 'integer', title: 'Timeout in seconds' } },
    },
  },
  required: ['greeting'],
};

const install = {
  id: '0b6a2a3e-1111-4222-8333-944445555666',
  config: { greeting: 'Hi', endpoint: { timeoutSeconds: 90 } },
} as unknown as Install;

async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
  fixture.detectChanges();
}

describe('ConfigForm', () => {
  it('draws the schema as a form and puts the API issues on the fields they name', async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ConfigForm);
    fixture.componentRef.setInput('install', install);
    fixture.componentRef.setInput('schema', SCHEMA);
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;

    const labels = [...element.querySelectorAll('label')].map((label) => label.textContent?.trim());
    expect(labels).toEqual(['Greeting (required)', 'Mode', 'Timeout in seconds']);
    expect(element.querySelector('legend')?.textContent).toBe('Endpoint');
    expect(element.textContent).toContain('Shown above every answer.');
    const options = [...element.querySelectorAll('select option')].map((option) => option.textContent?.trim());
    expect(options).toEqual(['(not set)', 'fast', 'safe']);
    const timeout = [...element.querySelectorAll('input')].find((input) => input.type === 'number')!;
    expect(timeout.value).toBe('90');

    element.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const save = http.expectOne(`/api/installs/${install.id}/config`);
    expect(save.request.body).toEqual({ config: { greeting: 'Hi', endpoint: { timeoutSeconds: 90 } } });
    save.flush(
      {
        error: {
          code: 'INVALID_CONFIG',
          message: 'The configuration does not match the schema',
          details: {
            issues: [
              { path: 'endpoint.timeoutSeconds', message: 'must be <= 60' },
              { path: 'colour', message: 'is not a known setting' },
            ],
          },
        },
        requestId: 'r1',
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    await settle(fixture);

    const field = [...element.querySelectorAll('input')].find((input) => input.type === 'number')!;
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(element.querySelector(`#${field.id}-error`)?.textContent).toContain('must be <= 60');
    // What no field can show stays in the panel, by path.
    const panel = element.querySelector('app-error-panel')!;
    expect(panel.textContent).toContain('colour: is not a known setting');
    expect(panel.textContent).not.toContain('endpoint.timeoutSeconds');
    http.verify();
  });
});
