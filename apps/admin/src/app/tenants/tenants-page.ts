/* eslint-disable @typescript-eslint/unbound-method -- Angular's Validators are static functions that never use `this`. */
import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  inject,
  Injector,
  signal,
} from '@angular/core';
import { DatePipe } from '@angular/common';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { RouterLink } from '@angular/router';
import type { Tenant } from '@extplat/api-client';
import { RoleName } from '@extplat/contracts';
import { explain, type Explanation } from '../core/api-error';
import { ServerList } from '../core/server-list';
import { TenantContext } from '../core/tenant-context.service';
import { ErrorPanel } from '../shared/error-panel';
import { countOf } from '../shared/format';
import { type TenantListItem, TenantsService } from './tenants.service';

/** Same rule as the API's (the `tenants_slug_format` CHECK); the server's answer stays the authority. */
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;

/**
 * Platform admins: create tenants (then, right away, their first admin), rename them, and find them by slug
 * or name, searched and paged on the server.
 */
@Component({
  selector: 'app-tenants-page',
  imports: [DatePipe, ReactiveFormsModule, RouterLink, ErrorPanel],
  template: `
    <h2>Tenants</h2>
    <section class="card" aria-labelledby="new-tenant-title">
      <h3 id="new-tenant-title">New tenant</h3>
      <form [formGroup]="form" (ngSubmit)="create()" class="inline-form">
        <label for="tenant-slug">Slug</label>
        <input
          id="tenant-slug"
          formControlName="slug"
          placeholder="acme"
          maxlength="64"
          required
          aria-describedby="tenant-slug-hint"
          autocomplete="off"
        />
        <label for="tenant-name">Name</label>
        <input id="tenant-name" formControlName="name" placeholder="Acme Corp" maxlength="200" required />
        <button type="submit" class="primary" [disabled]="form.invalid || busy()">Create tenant</button>
      </form>
      <p id="tenant-slug-hint" class="muted small">
        The slug names the tenant in URLs and scripts and never changes: 3 to 64 lowercase letters, digits or inner
        hyphens.
      </p>
      @if (created(); as tenant) {
        <div class="secret" role="status" data-testid="tenant-created">
          <p>
            <strong>{{ tenant.name }}</strong> was created. Nobody can sign in to it yet.
          </p>
          <a
            class="button primary"
            [routerLink]="['/users']"
            [queryParams]="{ tenant: tenant.id, role: roleName.TenantAdmin }"
          >
            Create its first admin
          </a>
          <button type="button" (click)="created.set(null)">Later</button>
        </div>
      }
      @if (error(); as failure) {
        <app-error-panel [error]="failure" />
      }
    </section>

    <div class="filters" role="search">
      <label for="tenant-search">Search</label>
      <input
        id="tenant-search"
        type="search"
        placeholder="Slug or name starts with…"
        [value]="query()"
        (input)="search($any($event.target).value)"
      />
    </div>
    <p class="muted small" aria-live="polite">{{ summary() }}</p>
    @if (list.error(); as failure) {
      <app-error-panel [error]="failure" />
    }
    @if (rowError(); as failure) {
      <app-error-panel [error]="failure" />
    }
    <table class="grid stacked" data-testid="tenant-table">
      <thead>
        <tr>
          <th scope="col">Slug</th>
          <th scope="col">Name</th>
          <th scope="col">Users</th>
          <th scope="col">Created</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        @for (tenant of list.items(); track tenant.id) {
          <tr>
            <td data-label="Slug">
              <code>{{ tenant.slug }}</code>
            </td>
            <td data-label="Name">
              @if (renaming() === tenant.id) {
                <form
                  class="inline-form"
                  [formGroup]="renameForm"
                  (ngSubmit)="rename(tenant)"
                  (keydown.escape)="closeRename(tenant)"
                >
                  <label class="visually-hidden" [for]="'rename-' + tenant.id">New name for {{ tenant.slug }}</label>
                  <input [id]="'rename-' + tenant.id" formControlName="name" maxlength="200" required />
                  <button type="submit" class="primary" [disabled]="renameForm.invalid || busy()">Save</button>
                  <button type="button" (click)="closeRename(tenant)">Cancel</button>
                </form>
              } @else {
                {{ tenant.name }}
              }
            </td>
            <td data-label="Users">
              <a
                [routerLink]="['/users']"
                [queryParams]="{ tenant: tenant.id }"
                [attr.aria-label]="userCount(tenant) + ' of ' + tenant.name"
                >{{ userCount(tenant) }}</a
              >
            </td>
            <td data-label="Created">{{ tenant.createdAt | date: 'mediumDate' }}</td>
            <td class="actions">
              @if (renaming() !== tenant.id) {
                <button
                  type="button"
                  (click)="startRename(tenant)"
                  [attr.data-rename]="tenant.id"
                  [attr.aria-label]="'Rename ' + tenant.name"
                >
                  Rename
                </button>
              }
            </td>
          </tr>
        } @empty {
          <tr>
            <td colspan="5" class="muted">
              {{ list.loading() ? 'Loading…' : query() ? 'No tenant matches “' + query() + '”.' : 'No tenants yet.' }}
            </td>
          </tr>
        }
      </tbody>
    </table>
    @if (list.hasMore()) {
      <button type="button" (click)="list.more()" [disabled]="list.loading()">Show more tenants</button>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TenantsPage {
  protected readonly roleName = RoleName;
  private readonly service = inject(TenantsService);
  private readonly context = inject(TenantContext);
  private readonly formBuilder = inject(NonNullableFormBuilder);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly injector = inject(Injector);

  protected readonly form = this.formBuilder.group({
    slug: ['', [Validators.required, Validators.pattern(SLUG_PATTERN)]],
    name: ['', [Validators.required, Validators.maxLength(200)]],
  });
  protected readonly renameForm = this.formBuilder.group({
    name: ['', [Validators.required, Validators.maxLength(200)]],
  });
  protected readonly list = new ServerList<TenantListItem, string>((q, cursor) => this.service.page({ q, cursor }));
  protected readonly query = signal('');
  protected readonly created = signal<Tenant | null>(null);
  protected readonly renaming = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly error = signal<Explanation | null>(null);
  protected readonly rowError = signal<Explanation | null>(null);

  constructor() {
    void this.list.load('');
  }

  protected summary(): string {
    const shown = this.list.items().length;
    if (this.list.loading() && shown === 0) return 'Loading tenants…';
    return `Showing ${countOf(shown, 'tenant')}${this.list.hasMore() ? ' (more below)' : ''}.`;
  }

  protected search(text: string): void {
    this.query.set(text);
    this.list.search(text.trim());
  }

  protected async create(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      const tenant = await this.service.create(this.form.getRawValue());
      this.created.set(tenant);
      this.form.reset();
      this.context.remember([tenant]);
      // The first tenant ever: the header picks it, as it does on the next visit.
      if (!this.context.tenantId()) this.context.choose(tenant);
      await this.list.reload();
    } catch (failure) {
      this.error.set(explain(failure));
    } finally {
      this.busy.set(false);
    }
  }

  protected userCount(tenant: TenantListItem): string {
    return countOf(tenant.userCount, 'user');
  }

  protected startRename(tenant: Tenant): void {
    this.renameForm.setValue({ name: tenant.name });
    this.renaming.set(tenant.id);
    this.focusAfterRender(`#rename-${tenant.id}`);
  }

  /** Leaves the rename form; the focus goes back to the tenant's Rename button. */
  protected closeRename(tenant: Tenant): void {
    this.renaming.set(null);
    this.focusAfterRender(`[data-rename="${tenant.id}"]`);
  }

  private focusAfterRender(selector: string): void {
    afterNextRender(() => this.host.nativeElement.querySelector<HTMLElement>(selector)?.focus(), {
      injector: this.injector,
    });
  }

  protected async rename(tenant: TenantListItem): Promise<void> {
    this.busy.set(true);
    this.rowError.set(null);
    try {
      const renamed = await this.service.rename(tenant.id, this.renameForm.getRawValue().name.trim());
      this.list.replace({ ...tenant, ...renamed }, (a, b) => a.id === b.id);
      this.closeRename(tenant);
      this.context.remember([renamed]);
    } catch (failure) {
      this.rowError.set(explain(failure));
    } finally {
      this.busy.set(false);
    }
  }
}
