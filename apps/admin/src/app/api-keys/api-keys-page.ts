/* eslint-disable @typescript-eslint/unbound-method -- Angular's Validators are static functions that never use `this`. */
import { ChangeDetectionStrategy, Component, computed, inject, LOCALE_ID, signal } from '@angular/core';
import { DatePipe, formatDate } from '@angular/common';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { grantableRoles, roleBelongsToTenant } from '@extplat/contracts';
import { explain, type Explanation } from '../core/api-error';
import type { ApiKey, CreatedApiKey, Role } from '@extplat/api-client';
import { TenantContext } from '../core/tenant-context.service';
import { SessionService } from '../auth/session.service';
import { Announcer } from '../shared/announcer';
import { ConfirmService } from '../shared/confirm-dialog';
import { ErrorPanel } from '../shared/error-panel';
import { countOf } from '../shared/format';
import { ServerList } from '../core/server-list';
import { ApiKeysService } from './api-keys.service';

/** Create (shown once, with a copy button), list and revoke API keys. */
@Component({
  selector: 'app-api-keys-page',
  imports: [DatePipe, ReactiveFormsModule, ErrorPanel],
  template: `
    <h2>API keys</h2>
    <section class="card" aria-labelledby="new-key-title">
      <h3 id="new-key-title">New key</h3>
      <form [formGroup]="form" (ngSubmit)="create()" class="inline-form">
        <label for="key-name">Name</label>
        <input id="key-name" formControlName="name" placeholder="ci-publish" maxlength="100" required />
        <label for="key-role">Role</label>
        <select id="key-role" formControlName="role">
          @for (role of roles(); track role) {
            <option [value]="role">{{ role }}</option>
          }
        </select>
        <label for="key-expiry">Expires (optional)</label>
        <input id="key-expiry" type="date" formControlName="expires" />
        <button type="submit" class="primary" [disabled]="form.invalid || busy()">Create key</button>
      </form>
      @if (created(); as key) {
        <div class="secret" role="status" data-testid="new-key">
          <p><strong>Copy the key now: it is shown only once.</strong></p>
          <code id="new-key-value" class="wrap">{{ key.key }}</code>
          <button type="button" (click)="copy(key.key)" aria-describedby="new-key-value">
            {{ copied() ? 'Copied' : 'Copy' }}
          </button>
          <button type="button" (click)="created.set(null)">Done</button>
        </div>
      }
      @if (error(); as failure) {
        <app-error-panel [error]="failure" />
      }
    </section>
    <div class="filters" role="search">
      <label for="key-search">Search</label>
      <input
        id="key-search"
        type="search"
        placeholder="Name starts with…"
        [value]="query()"
        (input)="search($any($event.target).value)"
      />
    </div>
    <p class="muted small" data-testid="api-key-count">{{ summary() }}</p>
    @if (list.error(); as failure) {
      <app-error-panel [error]="failure" />
    }
    <table class="grid stacked" data-testid="api-key-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Prefix</th>
          <th scope="col">Role</th>
          @if (isPlatformAdmin()) {
            <th scope="col">Tenant</th>
          }
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">State</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        @for (key of list.items(); track key.id) {
          <tr [attr.data-key]="key.name">
            <td data-label="Name">{{ key.name }}</td>
            <td data-label="Prefix">
              <code>{{ key.prefix }}</code>
            </td>
            <td data-label="Role">{{ key.role }}</td>
            @if (isPlatformAdmin()) {
              <td data-label="Tenant">{{ tenantName(key.tenantId) }}</td>
            }
            <td data-label="Created">{{ key.createdAt | date: 'medium' }}</td>
            <td data-label="Last used">{{ key.lastUsedAt ? (key.lastUsedAt | date: 'medium') : 'never' }}</td>
            <td data-label="State">{{ state(key) }}</td>
            <td>
              @if (!key.revokedAt) {
                <button type="button" class="danger" (click)="revoke(key)" [attr.aria-label]="'Revoke ' + key.name">
                  Revoke
                </button>
              }
            </td>
          </tr>
        } @empty {
          @if (!list.loading()) {
            <tr>
              <td [attr.colspan]="isPlatformAdmin() ? 8 : 7" class="muted">
                {{ query().trim() ? 'No key name starts with that.' : 'No keys yet.' }}
              </td>
            </tr>
          }
        }
      </tbody>
    </table>
    @if (list.hasMore()) {
      <p class="more">
        <button type="button" (click)="list.more()" [disabled]="list.loading()">Show more keys</button>
      </p>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeysPage {
  private readonly service = inject(ApiKeysService);
  private readonly session = inject(SessionService);
  private readonly tenants = inject(TenantContext);
  private readonly confirmations = inject(ConfirmService);
  private readonly announcer = inject(Announcer);
  private readonly locale = inject(LOCALE_ID);

  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(100)]],
    role: ['member' as Role, Validators.required],
    expires: [''],
  });
  protected readonly query = signal('');
  /** Newest first, a page at a time, searched by name prefix on the server. */
  protected readonly list = new ServerList<ApiKey, string>((q, cursor) =>
    this.service.page({ q, ...(cursor ? { cursor } : {}) }),
  );
  protected readonly created = signal<CreatedApiKey | null>(null);
  protected readonly copied = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<Explanation | null>(null);
  /** Platform admins see every tenant's keys, so the list says whose each one is. */
  protected readonly isPlatformAdmin = this.session.isPlatformAdmin;
  /** Tenant admins may create tenant-admin and member keys only. */
  protected readonly roles = computed<readonly Role[]>(() => {
    const role = this.session.role();
    return role ? grantableRoles(role) : [];
  });

  constructor() {
    void this.list.load('');
  }

  /** Says how many are shown and whether more exist: the console never counts what it did not load. */
  protected summary(): string {
    const shown = this.list.items().length;
    if (this.list.loading() && shown === 0) return 'Loading keys…';
    return `Showing ${countOf(shown, 'key')}${this.list.hasMore() ? ' (more below)' : ''}.`;
  }

  protected search(text: string): void {
    this.query.set(text);
    this.list.search(text.trim());
  }

  protected async create(): Promise<void> {
    const { name, role, expires } = this.form.getRawValue();
    const tenantId = roleBelongsToTenant(role) ? (this.tenants.tenantId() ?? undefined) : undefined;
    this.busy.set(true);
    this.error.set(null);
    this.copied.set(false);
    try {
      const key = await this.service.create({
        name,
        role,
        ...(tenantId ? { tenantId } : {}),
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      });
      this.created.set(key);
      this.form.reset({ name: '', role: 'member', expires: '' });
      await this.list.reload();
    } catch (failure) {
      this.error.set(explain(failure));
    } finally {
      this.busy.set(false);
    }
  }

  protected tenantName(tenantId: string | null): string {
    return tenantId === null ? 'platform' : this.tenants.nameOf(tenantId);
  }

  protected async copy(key: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(key);
      this.copied.set(true);
    } catch {
      this.error.set({
        code: 'CLIPBOARD',
        title: 'Could not copy',
        message: 'The browser did not allow copying to the clipboard.',
        action: 'Select the key and copy it by hand (Ctrl+C).',
      });
    }
  }

  protected state(key: ApiKey): string {
    if (key.revokedAt) return 'revoked';
    return key.expiresAt ? `expires ${formatDate(key.expiresAt, 'mediumDate', this.locale)}` : 'active';
  }

  protected async revoke(key: ApiKey): Promise<void> {
    const answer = await this.confirmations.confirm({
      title: `Revoke ${key.name}?`,
      message: 'Anything using this key stops working at once. This cannot be undone.',
      confirmLabel: 'Revoke key',
      danger: true,
    });
    if (!answer) return;
    try {
      const revoked = await this.service.revoke(key.id);
      this.list.replace(revoked, (a, b) => a.id === b.id);
      this.announcer.announce(`Revoked ${key.name}.`);
    } catch (failure) {
      this.error.set(explain(failure));
    }
  }
}
