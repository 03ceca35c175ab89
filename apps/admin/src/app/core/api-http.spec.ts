import { TestBed } from '@angular/core/testing';
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';
import { authInterceptor } from '../auth/auth.interceptor';
import { SessionService } from '../auth/session.service';
import { ApiError } from './api-error';
import { ApiHttp } from './api-http';

describe('ApiHttp', () => {
  let http: HttpTestingController;
  let api: ApiHttp;

  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    api = TestBed.inject(ApiHttp);
  });

  afterEach(() => http.verify());

  it('fills path parameters URL-encoded and sends only the query parameters given', async () => {
    const call = api.get('/api/installs/{installId}/version-diff', {
      path: { installId: 'a b/c' },
      query: { version: '1.0.0-beta+1' },
    });
    const request = http.expectOne((candidate) => candidate.url === '/api/installs/a%20b%2Fc/version-diff');
    expect(request.request.method).toBe('GET');
    expect(request.request.params.keys()).toEqual(['version']);
    expect(request.request.params.get('version')).toBe('1.0.0-beta+1');
    request.flush({ from: '1.0.0', to: '1.0.0-beta+1' });
    await expect(call).resolves.toMatchObject({ from: '1.0.0' });
  });

  it('sends the body as JSON and goes through the auth interceptor', async () => {
    const session = TestBed.inject(SessionService);
    const signIn = session.signIn('m@acme.test', 'pw');
    http.expectOne('/api/auth/login').flush({
      accessToken: 'tok',
      tokenType: 'Bearer',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      principal: { kind: 'user', id: 'u1', tenantId: 't1', role: 'member', name: 'm' },
    });
    await signIn;
    const call = api.put('/api/installs/{installId}/state', { path: { installId: 'i1' }, body: { enabled: true } });
    const request = http.expectOne('/api/installs/i1/state');
    expect(request.request.method).toBe('PUT');
    expect(request.request.body).toEqual({ enabled: true });
    expect(request.request.headers.get('authorization')).toBe('Bearer tok');
    request.flush({ id: 'i1', enabled: true });
    await expect(call).resolves.toMatchObject({ enabled: true });
  });

  it('rejects with what ApiError reads as the typed code, message and request id', async () => {
    const call = api.get('/api/extensions/{name}', { path: { name: 'x' } }).catch((error: unknown) => error);
    http
      .expectOne('/api/extensions/x')
      .flush(
        { error: { code: 'EXTENSION_NOT_FOUND', message: 'no such extension' }, requestId: 'r-1' },
        { status: 404, statusText: 'Not Found' },
      );
    const error = ApiError.from(await call);
    expect(error).toMatchObject({ status: 404, code: 'EXTENSION_NOT_FOUND', requestId: 'r-1' });
  });

  it('refuses a path whose parameter is missing, before sending anything', async () => {
    await expect(api.get('/api/installs/{installId}')).rejects.toThrow(/needs the parameter installId/);
  });
});
