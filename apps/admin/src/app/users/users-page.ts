/* eslint-disable @typescript-eslint/unbound-method -- Angular's Validators are static functions that never use `this`. */
import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  ElementRef,
  inject,
  Injector,
  input,
  signal,
  untracked,
} from '@angular/core';
import { DatePipe } from '@angular/common';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import { grantableRoles, isRole, roleBelongsToTenant, RoleName } from '@extplat/contracts';
import type { Role, User } from '@extplat/api-client';
import { explain, type Explanation } from '../core/api-error';
import { ServerList } from '../core/server-list';
import { TenantContext } from '../core/tenant-context.service';
import { SessionService } from '../auth/session.service';
import { ErrorPanel } from '../shared/error-panel';
import { TenantPicker } from '../tenants/tenant-picker';
import { countOf } from '../shared/format';
import { UsersService } from './users.service';

interface UserQuery {
  q: string;
  tenantId: string | undefined;
}

/** A row's open inline step: setting a new password or confirming a deletion. */
type RowStep = { userId: string; kind: 'password' | 'delete' } | null;

/**
 * Console users: platform admins manage anyone (per tenant, or everyone), tenant admins the users of their
 * own tenant; the API enforces both, the page only hides what the signed-in role cannot do. The list is
 * searched (email prefix) and paged on the server.
 */
@Component({
  selector: 'app-users-page',
  imports: [DatePipe, ReactiveFormsModule, ErrorPanel, TenantPicker],
  template: `
    <h2>Users</h2>
    @if (isPlatformAdmin()) {
      <div class="filters">
        <label for="user-tenant-filter">Tenant</label>
        <app-tenant-picker
          inputId="user-tenant-filter"
          label="Tenant"
          allLabel="All tenants"
          [value]="tenant() ?? null"
          (picked)="filterByTenant($event?.id ?? '')"
        />
      </div>
    }

    <section class="card" aria-labelledby="new-user-title">
      <h3 id="new-user-title">{{ firstAdminOf() ? 'First admin of ' + firstAdminOf() : 'New user' }}</h3>
      <form [formGroup]="form" (ngSubmit)="create()" class="inline-form">
        <label for="user-email">Email</label>
        <input id="user-email" type="email" formControlName="email" maxlength="320" required autocomplete="off" />
        <label for="user-password">Password</label>
        <input
          id="user-password"
          type="text"
          formControlName="password"
          required
          autocomplete="new-password"
          spellcheck="false"
        />
        <button type="button" (click)="form.controls.password.setValue(generatePassword())">Generate</button>
        <label for="user-role">Role</label>
        <select id="user-role" formControlName="role">
          @for (role of roles(); track role) {
            <option [value]="role">{{ role }}</option>
          }
        </select>
        @if (isPlatformAdmin() && newUserNeedsTenant()) {
          <label for="user-tenant">In tenant</label>
          <app-tenant-picker
            inputId="user-tenant"
            label="In tenant"
            [value]="chosenTenant() || null"
            (picked)="form.controls.tenantId.setValue($event?.id ?? '')"
          />
        }
        <button type="submit" class="primary" [disabled]="form.invalid || busy() || missingTenant()">
          Create user
        </button>
      </form>
      <p class="muted small">Give the password to the user; they can change it once signed in.</p>
      @if (createError(); as failure) {
        <app-error-panel [error]="failure" />
      }
    </section>

    <div class="filters" role="search">
      <label for="user-search">Search</label>
      <input
        id="user-search"
        type="search"
        placeholder="Email starts with…"
        [value]="query()"
        (input)="search($any($event.target).value)"
      />
    </div>
    <p class="muted small">{{ summary() }}</p>
    <p role="status" data-testid="user-notice">{{ notice() }}</p>
    @if (list.error(); as failure) {
      <app-error-panel [error]="failure" />
    }
    @if (rowError(); as failure) {
      <app-error-panel [error]="failure" />
    }
    <table class="grid stacked" data-testid="user-table">
      <thead>
        <tr>
          <th scope="col">Email</th>
          <th scope="col">Role</th>
          @if (isPlatformAdmin()) {
            <th scope="col">Tenant</th>
          }
          <th scope="col">State</th>
          <th scope="col">Created</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        @for (user of list.items(); track user.id) {
          <tr [attr.data-email]="user.email">
            <td data-label="Email">{{ user.email }}</td>
            <td data-label="Role">{{ user.role }}</td>
            @if (isPlatformAdmin()) {
              <td data-label="Tenant">{{ tenantName(user.tenantId) }}</td>
            }
            <td data-label="State">
              <span class="badge" [class.ok]="!user.disabledAt">{{ user.disabledAt ? 'disabled' : 'active' }}</span>
            </td>
            <td data-label="Created">{{ user.createdAt | date: 'mediumDate' }}</td>
            <td>
              @if (user.id === selfId()) {
                <span class="muted small">you</span>
              } @else if (step()?.userId === user.id && step()?.kind === 'password') {
                <form
                  class="inline-form"
                  [formGroup]="passwordForm"
                  (ngSubmit)="resetPassword(user)"
                  (keydown.escape)="closeStep()"
                >
                  <label [for]="'password-' + user.id">New password for {{ user.email }}</label>
                  <input
                    [id]="'password-' + user.id"
                    data-step-focus
                    type="text"
                    formControlName="password"
                    required
                    autocomplete="new-password"
                    spellcheck="false"
                  />
                  <button type="submit" class="primary" [disabled]="passwordForm.invalid || busy()">
                    Set password
                  </button>
                  <button type="button" (click)="closeStep()">Cancel</button>
                </form>
              } @else if (step()?.userId === user.id && step()?.kind === 'delete') {
                <div class="actions" (keydown.escape)="closeStep()">
                  <span>Delete {{ user.email }} for good?</span>
                  <button type="button" class="danger" (click)="remove(user)" [disabled]="busy()">Delete</button>
                  <button type="button" data-step-focus (click)="closeStep()">Cancel</button>
                </div>
              } @else {
                <div class="actions">
                  <button
                    type="button"
                    (click)="setDisabled(user, !user.disabledAt)"
                    [disabled]="busy()"
                    [attr.data-row-action]="'state-' + user.id"
                    [attr.aria-label]="(user.disabledAt ? 'Enable ' : 'Disable ') + user.email"
                  >
                    {{ user.disabledAt ? 'Enable' : 'Disable' }}
                  </button>
                  @if (otherTenantRole(user); as role) {
                    <button
                      type="button"
                      (click)="changeRole(user, role)"
                      [disabled]="busy()"
                      [attr.data-row-action]="'role-' + user.id"
                      [attr.aria-label]="'Make ' + user.email + ' ' + role"
                    >
                      Make {{ role === roleName.TenantAdmin ? 'admin' : 'member' }}
                    </button>
                  }
                  <button
                    type="button"
                    (click)="startPasswordReset(user)"
                    [attr.data-row-action]="'password-' + user.id"
                    [attr.aria-label]="'Reset the password of ' + user.email"
                  >
                    Reset password
                  </button>
                  <button
                    type="button"
                    class="danger"
                    (click)="openStep({ userId: user.id, kind: 'delete' })"
                    [attr.data-row-action]="'delete-' + user.id"
                    [attr.aria-label]="'Delete ' + user.email"
                  >
                    Delete
                  </button>
                </div>
              }
            </td>
          </tr>
        } @empty {
          <tr>
            <td [attr.colspan]="isPlatformAdmin() ? 6 : 5" class="muted">
              {{
                list.loading()
                  ? 'Loading…'
                  : query()
                    ? 'No user’s email starts with “' + query() + '”.'
                    : 'No users yet.'
              }}
            </td>
          </tr>
        }
      </tbody>
    </table>
    @if (list.hasMore()) {
      <button type="button" (click)="list.more()" [disabled]="list.loading()">Show more users</button>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsersPage {
  /** `?tenant=`: platform admins see this tenant's users. */
  readonly tenant = input<string>();
  /** `?role=`: the role the new-user form starts with (the tenants page links here for a first admin). */
  readonly role = input<string>();

  private readonly service = inject(UsersService);
  private readonly session = inject(SessionService);
  private readonly router = inject(Router);
  protected readonly roleName = RoleName;
  protected readonly context = inject(TenantContext);
  private readonly formBuilder = inject(NonNullableFormBuilder);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly injector = inject(Injector);

  protected readonly form = this.formBuilder.group({
    email: ['', [Validators.required, Validators.email, Validators.maxLength(320)]],
    password: ['', Validators.required],
    role: [RoleName.Member as Role, Validators.required],
    tenantId: [''],
  });
  protected readonly passwordForm = this.formBuilder.group({ password: ['', Validators.required] });
  protected readonly list = new ServerList<User, UserQuery>((query, cursor) =>
    this.service.page({ q: query.q, tenantId: query.tenantId, cursor }),
  );
  protected readonly query = signal('');
  protected readonly notice = signal('');
  protected readonly step = signal<RowStep>(null);
  protected readonly busy = signal(false);
  protected readonly createError = signal<Explanation | null>(null);
  protected readonly rowError = signal<Explanation | null>(null);

  protected readonly isPlatformAdmin = this.session.isPlatformAdmin;
  protected readonly selfId = computed(() => this.session.principal()?.id ?? null);
  /** Tenant admins grant tenant-admin and member only. */
  protected readonly roles = computed<readonly Role[]>(() => {
    const role = this.session.role();
    return role ? grantableRoles(role) : [];
  });
  private readonly chosenRole = signal<Role>(RoleName.Member);
  protected readonly chosenTenant = signal('');
  protected readonly newUserNeedsTenant = computed(() => roleBelongsToTenant(this.chosenRole()));
  protected readonly missingTenant = computed(
    () => this.isPlatformAdmin() && this.newUserNeedsTenant() && this.chosenTenant() === '',
  );
  /** The tenant's name when the page was opened to create a tenant's first admin. */
  protected readonly firstAdminOf = computed(() => {
    const tenantId = this.tenant();
    if (this.role() !== RoleName.TenantAdmin || !tenantId) return null;
    return this.context.nameOf(tenantId);
  });

  constructor() {
    this.form.controls.role.valueChanges.subscribe((role) => this.chosenRole.set(role));
    this.form.controls.tenantId.valueChanges.subscribe((tenantId) => this.chosenTenant.set(tenantId));
    // The query parameters decide the list (and preset the form); a change of tenant starts a new search.
    effect(() => {
      const tenantId = this.tenant();
      const role = this.role();
      untracked(() => {
        this.form.patchValue({
          tenantId: tenantId ?? '',
          ...(isRole(role) && this.roles().includes(role) ? { role } : {}),
        });
        void this.list.load({ q: this.query().trim(), tenantId: this.isPlatformAdmin() ? tenantId : undefined });
      });
    });
  }

  protected summary(): string {
    const shown = this.list.items().length;
    if (this.list.loading() && shown === 0) return 'Loading users…';
    return `Showing ${countOf(shown, 'user')}${this.list.hasMore() ? ' (more below)' : ''}.`;
  }

  protected tenantName(tenantId: string | null): string {
    if (tenantId === null) return 'platform';
    return this.context.nameOf(tenantId);
  }

  /** The role a tenant user would swap to, or null for platform admins (who keep theirs). */
  protected otherTenantRole(user: User): Role | null {
    if (!roleBelongsToTenant(user.role)) return null;
    return user.role === RoleName.Member ? RoleName.TenantAdmin : RoleName.Member;
  }

  protected search(text: string): void {
    this.query.set(text);
    this.list.search({ q: text.trim(), tenantId: this.isPlatformAdmin() ? this.tenant() : undefined });
  }

  protected filterByTenant(tenantId: string): void {
    void this.router.navigate([], { queryParams: { tenant: tenantId || null }, replaceUrl: true });
  }

  protected generatePassword(): string {
    const bytes = crypto.getRandomValues(new Uint8Array(15));
    return btoa(String.fromCharCode(...bytes))
      .replaceAll('+', '-')
      .replaceAll('/', '_');
  }

  protected async create(): Promise<void> {
    const { email, password, role, tenantId } = this.form.getRawValue();
    // Tenant admins create users in their own tenant: the API takes it from the session.
    const tenant = this.isPlatformAdmin() && roleBelongsToTenant(role) ? { tenantId } : {};
    this.busy.set(true);
    this.createError.set(null);
    try {
      const user = await this.service.create({ email, password, role, ...tenant });
      this.notice.set(`Created ${user.email} (${user.role}).`);
      this.form.patchValue({ email: '', password: '' });
      this.form.markAsPristine();
      await this.list.reload();
    } catch (failure) {
      this.createError.set(explain(failure));
    } finally {
      this.busy.set(false);
    }
  }

  protected setDisabled(user: User, disabled: boolean): Promise<void> {
    return this.act(
      `state-${user.id}`,
      () => this.service.setDisabled(user.id, disabled),
      disabled
        ? `Disabled ${user.email}: their sessions ended and the API keys they created were revoked.`
        : `Enabled ${user.email}: they can sign in again.`,
    );
  }

  protected changeRole(user: User, role: Role): Promise<void> {
    return this.act(
      `role-${user.id}`,
      () => this.service.changeRole(user.id, role),
      role === RoleName.Member
        ? `${user.email} is now a member; the API keys they created were revoked.`
        : `${user.email} is now a tenant-admin.`,
    );
  }

  protected startPasswordReset(user: User): void {
    this.passwordForm.setValue({ password: this.generatePassword() });
    this.openStep({ userId: user.id, kind: 'password' });
  }

  /** Opens a row's inline step and moves the focus into it (the field, or Cancel for a deletion). */
  protected openStep(step: NonNullable<RowStep>): void {
    this.step.set(step);
    this.focusAfterRender('[data-step-focus]');
  }

  /** Closes the row's step and gives the focus back to the button that opened it. */
  protected closeStep(): void {
    const step = this.step();
    this.step.set(null);
    if (step) this.focusAfterRender(`[data-row-action="${step.kind}-${step.userId}"]`);
  }

  private focusAfterRender(selector: string): void {
    afterNextRender(() => this.host.nativeElement.querySelector<HTMLElement>(selector)?.focus(), {
      injector: this.injector,
    });
  }

  protected resetPassword(user: User): Promise<void> {
    const { password } = this.passwordForm.getRawValue();
    return this.act(
      `password-${user.id}`,
      () => this.service.resetPassword(user.id, password),
      `New password set for ${user.email}; their sessions ended.`,
    );
  }

  protected async remove(user: User): Promise<void> {
    this.busy.set(true);
    this.rowError.set(null);
    // The deleted row takes its buttons with it: the focus moves to the Delete of the row that takes its
    // place (or of the one above), else to the search field.
    const items = this.list.items();
    const index = items.findIndex((item) => item.id === user.id);
    const neighbour = [items[index + 1], items[index - 1]].find((item) => item && item.id !== this.selfId());
    try {
      await this.service.delete(user.id);
      this.list.remove((item) => item.id === user.id);
      this.step.set(null);
      this.notice.set(`Deleted ${user.email}.`);
    } catch (failure) {
      this.rowError.set(explain(failure));
    } finally {
      this.busy.set(false);
      if (this.step()) this.focusAfterRender('[data-step-focus]');
      else this.focusAfterRender(neighbour ? `[data-row-action="delete-${neighbour.id}"]` : '#user-search');
    }
  }

  /**
   * Runs one change to a user, puts the server's new row in place and says what happened. The row's buttons
   * are disabled while it runs, which drops the keyboard focus to <body>: it goes back to the button that
   * started the change (`data-row-action`), or stays in the inline step when that is still open (a refusal).
   */
  private async act(origin: string, change: () => Promise<User>, done: string): Promise<void> {
    this.busy.set(true);
    this.rowError.set(null);
    try {
      this.list.replace(await change(), (a, b) => a.id === b.id);
      this.step.set(null);
      this.notice.set(done);
    } catch (failure) {
      this.rowError.set(explain(failure));
    } finally {
      this.busy.set(false);
      this.focusAfterRender(this.step() ? '[data-step-focus]' : `[data-row-action="${origin}"]`);
    }
  }
}
