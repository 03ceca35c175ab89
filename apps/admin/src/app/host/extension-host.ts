import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { HttpClient, HttpErrorResponse, type HttpHeaders } from '@angular/common/http';
import { DomSanitizer, type SafeResourceUrl } from '@angular/platform-browser';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { explain, type Explanation } from '../core/api-error';
import type { Install } from '@extplat/api-client';
import { ConsoleConfigService } from '../core/console-config.service';
import { ThemeService } from '../core/theme.service';
import { SessionService } from '../auth/session.service';
import { InstallsService } from '../installs/installs.service';
import { ErrorPanel } from '../shared/error-panel';
import { HostBridge, type ProxiedRequest } from './host-bridge';

type HostState =
  | { kind: 'loading' }
  | { kind: 'no-tenant' }
  | { kind: 'not-installed' }
  | { kind: 'disabled'; install: Install }
  | { kind: 'no-ui'; install: Install }
  | { kind: 'error'; error: Explanation }
  | { kind: 'ready'; install: Install; src: string };

/**
 * `/apps/{extensionId}`: the extension's own UI, from the Runner's origin, in a sandboxed iframe, talking to
 * the console only over the bridge (BRIDGE.md). A missing or disabled install shows why instead.
 */
@Component({
  selector: 'app-extension-host',
  imports: [RouterLink, ErrorPanel],
  template: `
    @let current = state();
    <div class="heading-row">
      <h2>{{ title() }}</h2>
      <a [routerLink]="['/extensions', extensionId()]" class="small">About this extension</a>
    </div>
    @switch (current.kind) {
      @case ('loading') {
        <p aria-live="polite">Loading…</p>
      }
      @case ('no-tenant') {
        <p class="notice" role="alert" data-testid="host-message">
          Platform admins have no tenant, so they cannot use extensions. Sign in as a user of a tenant to open it.
        </p>
      }
      @case ('not-installed') {
        <p class="notice" role="alert" data-testid="host-message">
          {{ extensionId() }} is not installed for your tenant. Ask a tenant admin to install it.
        </p>
      }
      @case ('disabled') {
        <p class="notice" role="alert" data-testid="host-message">
          {{ extensionId() }} is disabled for your tenant. A tenant admin can enable it on the extensions page.
        </p>
      }
      @case ('no-ui') {
        <p class="notice" role="alert" data-testid="host-message">
          {{ extensionId() }} {{ current.install.version }} has no user interface; it is used through its API only.
        </p>
      }
      @case ('error') {
        <app-error-panel [error]="current.error" />
      }
      @case ('ready') {
        <iframe
          #frame
          class="extension-frame"
          [title]="title() + ' (extension)'"
          sandbox="allow-scripts allow-forms"
          referrerpolicy="no-referrer"
          [src]="safeSrc()"
          [style.height.px]="height()"
          data-testid="extension-frame"
        ></iframe>
      }
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExtensionHost {
  private readonly session = inject(SessionService);
  private readonly installs = inject(InstallsService);
  private readonly config = inject(ConsoleConfigService);
  private readonly theme = inject(ThemeService);
  private readonly http = inject(HttpClient);
  private readonly sanitizer = inject(DomSanitizer);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly frame = viewChild<ElementRef<HTMLIFrameElement>>('frame');

  /** From the route (`/apps/:extensionId`). */
  readonly extensionId = input.required<string>();
  /** `?path=`: where inside the extension's UI (deep link), kept in sync with the frame's navigation. */
  readonly path = input<string | undefined>();

  protected readonly state = signal<HostState>({ kind: 'loading' });
  protected readonly height = signal(480);
  protected readonly title = computed(() => {
    const current = this.state();
    const install = 'install' in current ? current.install : null;
    return install?.ui?.hooks?.appMenu?.label ?? install?.extension.displayName ?? this.extensionId();
  });
  protected readonly safeSrc = computed<SafeResourceUrl | null>(() => {
    const current = this.state();
    // The URL is built from the Runner's configured base and the install's hash and UI entry only.
    return current.kind === 'ready' ? this.sanitizer.bypassSecurityTrustResourceUrl(current.src) : null;
  });

  private bridge: HostBridge | null = null;

  constructor() {
    effect(() => {
      const extensionId = this.extensionId();
      untracked(() => void this.load(extensionId));
    });
    effect(() => {
      const theme = this.theme.theme();
      this.bridge?.send({ type: 'theme', theme });
    });
    effect(() => {
      const path = this.path() ?? '/';
      untracked(() => {
        if (path !== this.framePath) this.bridge?.send({ type: 'navigation', path });
      });
    });
    inject(DestroyRef).onDestroy(() => this.bridge?.close());
  }

  /** The frame's own idea of its path, so echoing it into the URL does not bounce back as a navigation. */
  private framePath = '/';

  private async load(extensionId: string): Promise<void> {
    this.bridge?.close();
    this.bridge = null;
    this.state.set({ kind: 'loading' });
    if (!this.session.principal()?.tenantId) {
      this.state.set({ kind: 'no-tenant' });
      return;
    }
    try {
      const [installs, config] = await Promise.all([this.installs.forExtensions([extensionId]), this.config.load()]);
      const install = installs.find((item) => item.extension.name === extensionId);
      if (!install) return this.state.set({ kind: 'not-installed' });
      if (!install.enabled) return this.state.set({ kind: 'disabled', install });
      if (!install.ui) return this.state.set({ kind: 'no-ui', install });
      this.bridge = new HostBridge(
        () => this.frame()?.nativeElement,
        extensionId,
        {
          call: (request) => this.call(request),
          resize: (height) => this.height.set(height),
          navigated: (path) => {
            this.framePath = path;
            void this.router.navigate([], {
              relativeTo: this.route,
              queryParams: { path },
              queryParamsHandling: 'merge',
            });
          },
        },
        { theme: () => this.theme.theme(), path: () => this.path() ?? '/' },
      );
      this.state.set({ kind: 'ready', install, src: uiUrl(config.runnerPublicBase, extensionId, install) });
    } catch (failure) {
      this.state.set({ kind: 'error', error: explain(failure) });
    }
  }

  /** Performs a bridged call with the user's session and hands back status, headers and body as text. */
  private async call(
    request: ProxiedRequest,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    try {
      const response = await firstValueFrom(
        this.http.request(request.method, request.url, {
          headers: request.headers,
          body: request.body,
          observe: 'response',
          responseType: 'text',
        }),
      );
      return { status: response.status, headers: headerRecord(response.headers), body: response.body ?? '' };
    } catch (error) {
      if (!(error instanceof HttpErrorResponse) || error.status === 0) throw error;
      const body = typeof error.error === 'string' ? error.error : JSON.stringify(error.error ?? '');
      const code = explain(error).code;
      // The install was disabled or removed while the page was open: say so instead of a broken UI.
      if (code === 'EXTENSION_DISABLED' || code === 'EXTENSION_NOT_INSTALLED') void this.load(this.extensionId());
      return { status: error.status, headers: headerRecord(error.headers), body };
    }
  }
}

/** `${RUNNER_PUBLIC_BASE}/ext-ui/{id}/{hash}/{entry relative to its folder}`, e.g. `…/index.html`. */
export function uiUrl(runnerPublicBase: string, extensionId: string, install: Install): string {
  const entry = install.ui?.entry ?? 'index.html';
  const file = entry.slice(entry.lastIndexOf('/') + 1);
  return `${runnerPublicBase.replace(/\/+$/, '')}/ext-ui/${encodeURIComponent(extensionId)}/${install.contentHash}/${encodeURIComponent(file)}`;
}

function headerRecord(headers: HttpHeaders): Record<string, string> {
  return Object.fromEntries(headers.keys().map((name) => [name.toLowerCase(), headers.get(name) ?? '']));
}
