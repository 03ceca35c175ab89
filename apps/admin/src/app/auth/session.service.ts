import { computed, DestroyRef, inject, Injectable, signal } from '@angular/core';
import { Router } from '@angular/router';
import { Permission, roleBelongsToTenant, roleHasPermission } from '@extplat/contracts';
import type { Principal, Role } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';

interface StoredSession {
  accessToken: string;
  expiresAt: string;
  principal: Principal;
}

const STORAGE_KEY = 'extplat.session';

/**
 * The signed-in user's session. Kept in sessionStorage so a reload (e.g. to resume an upload) keeps the
 * user signed in, while closing the tab ends it. When the token expires, or the API answers 401, the user
 * goes back to sign-in with the page they were on remembered.
 */
@Injectable({ providedIn: 'root' })
export class SessionService {
  private readonly api = inject(ApiHttp);
  private readonly router = inject(Router);
  private readonly session = signal<StoredSession | null>(readStored());
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  readonly principal = computed(() => this.session()?.principal ?? null);
  readonly role = computed<Role | null>(() => this.principal()?.role ?? null);
  readonly signedIn = computed(() => this.session() !== null);
  /** Acts across tenants (picks one to work in) rather than belonging to one. */
  readonly isPlatformAdmin = computed(() => {
    const role = this.role();
    return role !== null && !roleBelongsToTenant(role);
  });
  /** May install, enable, configure (tenant admins, and platform admins for a chosen tenant). */
  readonly canManageInstalls = computed(() => this.may(Permission.InstallManage));
  /** May create and manage console users (tenant admins within their tenant). */
  readonly canManageUsers = computed(() => this.may(Permission.UserManage));

  constructor() {
    this.scheduleExpiry();
    inject(DestroyRef).onDestroy(() => clearTimeout(this.expiryTimer));
  }

  get token(): string | null {
    const session = this.session();
    if (!session) return null;
    return Date.parse(session.expiresAt) > Date.now() ? session.accessToken : null;
  }

  /** Whether the signed-in role is granted `permission`, by the table the API enforces. */
  may(permission: Permission): boolean {
    const role = this.role();
    return role !== null && roleHasPermission(role, permission);
  }

  async signIn(email: string, password: string): Promise<Principal> {
    const response = await this.api.post('/api/auth/login', { body: { email, password } });
    const stored: StoredSession = {
      accessToken: response.accessToken,
      expiresAt: response.expiresAt,
      principal: response.principal,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
    this.session.set(stored);
    this.scheduleExpiry();
    return response.principal;
  }

  signOut(): void {
    this.clear();
    void this.router.navigate(['/sign-in']);
  }

  /** The session is over (expired or refused): back to sign-in, returning to the current page afterwards. */
  expire(): void {
    if (!this.session()) return;
    this.clear();
    const returnUrl = this.router.url.startsWith('/sign-in') ? '/' : this.router.url;
    void this.router.navigate(['/sign-in'], { queryParams: { returnUrl, reason: 'expired' } });
  }

  private clear(): void {
    clearTimeout(this.expiryTimer);
    sessionStorage.removeItem(STORAGE_KEY);
    this.session.set(null);
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const session = this.session();
    if (!session) return;
    // setTimeout overflows past ~24.8 days; tokens live minutes, so cap and re-check.
    const remaining = Math.min(Date.parse(session.expiresAt) - Date.now(), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(
      () => {
        if (Date.parse(session.expiresAt) <= Date.now()) this.expire();
        else this.scheduleExpiry();
      },
      Math.max(0, remaining),
    );
  }
}

function readStored(): StoredSession | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
    if (!value || typeof value.accessToken !== 'string' || Date.parse(value.expiresAt) <= Date.now()) return null;
    return value;
  } catch {
    return null;
  }
}
