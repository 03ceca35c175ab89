import { TestBed } from '@angular/core/testing';
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter, Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { authInterceptor } from './auth.interceptor';
import { Permission } from '@extplat/contracts';
import { permissionGuard } from './guards';
import { SessionService } from './session.service';

const principal = { kind: 'user', id: 'u1', tenantId: 't1', role: 'member', name: 'm@acme.test' } as const;

describe('session and auth interceptor', () => {
  let http: HttpTestingController;
  let session: SessionService;

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
    session = TestBed.inject(SessionService);
  });

  async function signIn(expiresInMs = 60_000): Promise<void> {
    const done = session.signIn('m@acme.test', 'pw');
    http.expectOne('/api/auth/login').flush({
      accessToken: 'tok',
      tokenType: 'Bearer',
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      principal,
    });
    await done;
  }

  it('sends the token to the API only, never to other origins', async () => {
    await signIn();
    const client = TestBed.inject(HttpClient);
    void firstValueFrom(client.get('/api/extensions'));
    void firstValueFrom(client.put('https://s3.example/part?x=1', 'bytes'));
    expect(http.expectOne('/api/extensions').request.headers.get('authorization')).toBe('Bearer tok');
    expect(http.expectOne('https://s3.example/part?x=1').request.headers.has('authorization')).toBe(false);
  });

  it('on a 401, ends the session and returns to sign-in remembering the page', async () => {
    await signIn();
    const router = TestBed.inject(Router);
    vi.spyOn(router, 'url', 'get').mockReturnValue('/extensions/com.acme.tickets');
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    const call = firstValueFrom(TestBed.inject(HttpClient).get('/api/installs')).catch(() => 'failed');
    http
      .expectOne('/api/installs')
      .flush({ error: { code: 'UNAUTHENTICATED', message: 'expired' } }, { status: 401, statusText: 'x' });
    expect(await call).toBe('failed');
    expect(session.signedIn()).toBe(false);
    expect(sessionStorage.getItem('extplat.session')).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/sign-in'], {
      queryParams: { returnUrl: '/extensions/com.acme.tickets', reason: 'expired' },
    });
  });

  it('expires the session when the token runs out', async () => {
    vi.useFakeTimers();
    try {
      await signIn(1000);
      const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
      vi.advanceTimersByTime(1001);
      expect(session.signedIn()).toBe(false);
      expect(navigate).toHaveBeenCalledWith(
        ['/sign-in'],
        expect.objectContaining({ queryParams: expect.objectContaining({ reason: 'expired' }) }),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets only the roles granted the permission through the guard', async () => {
    await signIn();
    const guard = permissionGuard(Permission.BundleUpload);
    const result = TestBed.runInInjectionContext(() => guard({} as never, { url: '/install' } as never));
    expect(TestBed.inject(Router).serializeUrl(result as never)).toBe(
      '/forbidden?page=%2Finstall&needs=platform-admin',
    );
    const allowed = TestBed.runInInjectionContext(() =>
      permissionGuard(Permission.RegistryRead)({} as never, { url: '/x' } as never),
    );
    expect(allowed).toBe(true);
  });
});
