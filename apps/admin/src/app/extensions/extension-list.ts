import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { compareSemver } from '@extplat/contracts';
import { explain, type Explanation } from '../core/api-error';
import type { ExtensionSummary, Install } from '@extplat/api-client';
import { TenantContext } from '../core/tenant-context.service';
import { SessionService } from '../auth/session.service';
import { InstallsService } from '../installs/installs.service';
import { ErrorPanel } from '../shared/error-panel';
import { countOf } from '../shared/format';
import { RegistryService } from './registry.service';

/** Extension names per installs request (the API takes up to 100; a page of the list is 50). */
const INSTALL_NAMES_PER_REQUEST = 100;

interface RowMessage {
  kind: 'ok' | 'error';
  text: string;
}

/** The registry with the current tenant's install of each extension and its enable switch. */
@Component({
  selector: 'app-extension-list',
  imports: [RouterLink, ErrorPanel],
  template: `
    <div class="heading-row">
      <h2>Extensions</h2>
      @if (session.isPlatformAdmin()) {
        <a routerLink="/install" class="button primary">Upload a bundle</a>
      }
    </div>
    <form class="filters" role="search" (submit)="$event.preventDefault()">
      <label for="ext-search">Search</label>
      <input
        id="ext-search"
        type="search"
        placeholder="Name, display name or description"
        [value]="query()"
        (input)="onQuery($event)"
      />
      <label for="ext-publisher">Publisher</label>
      <input id="ext-publisher" type="text" [value]="publisher()" (change)="onPublisher($event)" />
    </form>
    @if (session.isPlatformAdmin() && !tenants.tenantId()) {
      <p class="notice">Choose a tenant at the top to see and switch its installs.</p>
    }
    @if (error(); as failure) {
      <app-error-panel [error]="failure" />
    }
    <p class="muted" aria-live="polite" data-testid="extension-count">{{ countText() }}</p>
    <table class="grid stacked" data-testid="extension-table">
      <thead>
        <tr>
          <th scope="col">Extension</th>
          <th scope="col">Latest version</th>
          <th scope="col">Signature</th>
          <th scope="col">Installed</th>
          <th scope="col">Enabled</th>
        </tr>
      </thead>
      <tbody>
        @for (row of rows(); track row.extension.id) {
          <tr [attr.data-extension]="row.extension.name">
            <td data-label="Extension">
              <a [routerLink]="['/extensions', row.extension.name]">{{
                row.extension.displayName || row.extension.name
              }}</a>
              <div class="muted small">{{ row.extension.name }} · {{ row.extension.publisher }}</div>
            </td>
            <td data-label="Latest version">
              {{ row.extension.latestVersion?.version ?? '—' }}
              @if (row.extension.latestVersion?.status === 'yanked') {
                <span class="badge warn" title="This version was yanked: it can no longer be installed">yanked</span>
              }
            </td>
            <td data-label="Signature">
              @switch (row.extension.latestVersion?.signatureStatus) {
                @case ('verified') {
                  <span class="badge ok">verified</span> {{ row.extension.latestVersion?.signer }}
                }
                @case ('unsigned') {
                  <span class="badge warn">unsigned</span>
                }
                @default {
                  <span class="badge">not checked</span>
                }
              }
            </td>
            <td data-testid="installed-version" data-label="Installed">
              @if (row.install; as install) {
                {{ install.version }}
                @if (row.updateAvailable) {
                  <a
                    [routerLink]="['/extensions', row.extension.name]"
                    class="badge info"
                    [attr.aria-label]="'Update available: ' + row.extension.latestVersion?.version"
                    >update available</a
                  >
                }
                @if (session.isPlatformAdmin()) {
                  <!-- Platform admins cannot open an extension's UI (it runs for a tenant's users): say whose it is. -->
                  <div class="muted small">for {{ tenants.tenant()?.name }}</div>
                } @else if (install.enabled && install.ui) {
                  <a [routerLink]="['/apps', row.extension.name]" class="small">open</a>
                }
              } @else if (installsLoading()) {
                <span class="muted" aria-label="Loading installs">…</span>
              } @else {
                <span class="muted">not installed</span>
              }
            </td>
            <td data-label="Enabled">
              @if (row.install; as install) {
                @if (session.canManageInstalls()) {
                  <button
                    type="button"
                    role="switch"
                    class="switch"
                    [attr.aria-checked]="install.enabled"
                    [attr.aria-label]="'Enabled: ' + (row.extension.displayName || row.extension.name)"
                    [disabled]="busy().has(install.id)"
                    (click)="setEnabled(install, !install.enabled)"
                    data-testid="enable-switch"
                  >
                    <span>{{ install.enabled ? 'On' : 'Off' }}</span>
                  </button>
                } @else {
                  {{ install.enabled ? 'enabled' : 'disabled' }}
                }
                @if (messages().get(install.id); as message) {
                  <div [class]="message.kind === 'ok' ? 'small ok-text' : 'small field-error'" role="status">
                    {{ message.text }}
                  </div>
                }
              }
            </td>
          </tr>
        } @empty {
          @if (!loading()) {
            <tr>
              <td colspan="5" class="muted">No extension matches.</td>
            </tr>
          }
        }
      </tbody>
    </table>
    @if (nextCursor()) {
      <p class="more">
        <button type="button" (click)="more()" [disabled]="loading()">Show more extensions</button>
      </p>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExtensionList {
  protected readonly session = inject(SessionService);
  protected readonly tenants = inject(TenantContext);
  private readonly registry = inject(RegistryService);
  private readonly installs = inject(InstallsService);

  protected readonly query = signal('');
  protected readonly publisher = signal('');
  private readonly extensions = signal<ExtensionSummary[]>([]);
  /** Where the next page starts; null once the last page is shown. */
  protected readonly nextCursor = signal<string | null>(null);
  private filter = { q: '', publisher: '' };
  private readonly installList = signal<Install[]>([]);
  protected readonly loading = signal(true);
  /** Until the tenant's installs arrive, "not installed" would be a guess. */
  protected readonly installsLoading = signal(false);
  protected readonly error = signal<Explanation | null>(null);
  protected readonly busy = signal<ReadonlySet<string>>(new Set());
  protected readonly messages = signal<ReadonlyMap<string, RowMessage>>(new Map());
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  protected readonly rows = computed(() => {
    const byName = new Map(this.installList().map((install) => [install.extension.name, install]));
    return this.extensions().map((extension) => {
      const install = byName.get(extension.name) ?? null;
      const latest = extension.latestVersion;
      const updateAvailable =
        !!install && latest?.status === 'published' && compareSemver(latest.version, install.version) > 0;
      return { extension, install, updateAvailable };
    });
  });

  /** Says how many are shown and whether there are more, never a total the console did not count. */
  protected readonly countText = computed(() => {
    if (this.loading() && this.extensions().length === 0) return 'Loading…';
    const loaded = this.extensions().length;
    return this.nextCursor()
      ? `First ${countOf(loaded, 'extension')}; more below.`
      : `${countOf(loaded, 'extension')}.`;
  });

  constructor() {
    effect(() => {
      this.filter = { q: this.query().trim(), publisher: this.publisher().trim() };
      void this.loadExtensions(null);
    });
    // Another tenant: the installs of the extensions already shown, asked again for it.
    effect(() => {
      this.tenants.tenantId();
      untracked(
        () =>
          void this.loadInstalls(
            this.extensions().map((extension) => extension.name),
            true,
          ),
      );
    });
  }

  protected onQuery(event: Event): void {
    const value = (event.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => this.query.set(value), 250);
  }

  protected onPublisher(event: Event): void {
    this.publisher.set((event.target as HTMLInputElement).value);
  }

  protected async setEnabled(install: Install, enabled: boolean): Promise<void> {
    this.busy.update((ids) => new Set(ids).add(install.id));
    try {
      const updated = await this.installs.setEnabled(install.id, enabled);
      this.installList.update((list) => list.map((item) => (item.id === updated.id ? updated : item)));
      this.message(install.id, { kind: 'ok', text: updated.enabled ? 'Enabled.' : 'Disabled.' });
    } catch (failure) {
      const explanation = explain(failure);
      this.message(install.id, {
        kind: 'error',
        text: `${explanation.title}: ${explanation.message} ${explanation.action}`,
      });
    } finally {
      this.busy.update((ids) => {
        const next = new Set(ids);
        next.delete(install.id);
        return next;
      });
    }
  }

  private message(installId: string, message: RowMessage): void {
    this.messages.update((current) => new Map(current).set(installId, message));
  }

  protected more(): void {
    const cursor = this.nextCursor();
    if (cursor) void this.loadExtensions(cursor);
  }

  /** The first page (cursor null) replaces the list; later pages add to it. */
  private async loadExtensions(cursor: string | null): Promise<void> {
    const filter = this.filter;
    this.loading.set(true);
    try {
      const page = await this.registry.extensions(filter, cursor ?? undefined);
      // A newer search started while this page was on its way: its answer wins.
      if (filter !== this.filter) return;
      this.extensions.update((current) => (cursor ? [...current, ...page.items] : page.items));
      this.nextCursor.set(page.nextCursor ?? null);
      this.error.set(null);
      void this.loadInstalls(
        page.items.map((extension) => extension.name),
        !cursor,
      );
    } catch (failure) {
      if (filter === this.filter) this.error.set(explain(failure));
    } finally {
      if (filter === this.filter) this.loading.set(false);
    }
  }

  /**
   * The tenant's installs of these extensions (those shown), asked for by name: a tenant may have thousands
   * of installs, and only the shown rows need theirs. `replace` drops the installs of rows no longer shown.
   */
  private async loadInstalls(names: string[], replace: boolean): Promise<void> {
    const tenantId = this.tenants.tenantId();
    if (!tenantId || names.length === 0) {
      if (replace) this.installList.set([]);
      return;
    }
    this.installsLoading.set(true);
    try {
      const chunks: string[][] = [];
      for (let start = 0; start < names.length; start += INSTALL_NAMES_PER_REQUEST) {
        chunks.push(names.slice(start, start + INSTALL_NAMES_PER_REQUEST));
      }
      const scope = this.session.isPlatformAdmin() ? tenantId : null;
      const found = (await Promise.all(chunks.map((chunk) => this.installs.forExtensions(chunk, scope)))).flat();
      // The tenant changed while these were on their way: its own request answers for it.
      if (this.tenants.tenantId() !== tenantId) return;
      const asked = new Set(names);
      this.installList.update((current) =>
        replace ? found : [...current.filter((install) => !asked.has(install.extension.name)), ...found],
      );
    } catch (failure) {
      this.error.set(explain(failure));
    } finally {
      this.installsLoading.set(false);
    }
  }
}
