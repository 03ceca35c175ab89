import { computed, effect, inject, Injectable, signal } from '@angular/core';
import type { Tenant } from '@extplat/api-client';
import { SessionService } from '../auth/session.service';
import { ApiHttp } from './api-http';
import { allPages } from './pages';

const STORAGE_KEY = 'extplat.tenant';

/**
 * The tenant the console shows installs for. Tenant users have exactly one (from their principal, never
 * chosen); platform admins act across tenants and pick one, remembered across visits.
 */
@Injectable({ providedIn: 'root' })
export class TenantContext {
  private readonly api = inject(ApiHttp);
  private readonly session = inject(SessionService);
  private readonly chosen = signal<string | null>(localStorage.getItem(STORAGE_KEY));

  readonly tenants = signal<Tenant[]>([]);
  readonly tenantId = computed(() => {
    const principal = this.session.principal();
    if (!principal) return null;
    return principal.tenantId ?? this.chosen();
  });
  readonly tenant = computed(() => this.tenants().find((tenant) => tenant.id === this.tenantId()) ?? null);

  constructor() {
    effect(() => {
      if (this.session.isPlatformAdmin()) void this.loadTenants();
    });
  }

  choose(tenantId: string | null): void {
    if (tenantId) localStorage.setItem(STORAGE_KEY, tenantId);
    else localStorage.removeItem(STORAGE_KEY);
    this.chosen.set(tenantId);
  }

  async loadTenants(): Promise<void> {
    try {
      const tenants = await allPages((cursor) =>
        this.api.get('/api/tenants', { query: { ...(cursor ? { cursor } : {}) } }),
      );
      this.tenants.set(tenants);
      if (!tenants.some((tenant) => tenant.id === this.chosen())) this.choose(tenants[0]?.id ?? null);
    } catch {
      // The tenant picker stays empty; pages that need a tenant say so.
      this.tenants.set([]);
    }
  }
}
