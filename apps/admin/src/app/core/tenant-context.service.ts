import { computed, effect, inject, Injectable, signal, untracked } from '@angular/core';
import type { Tenant, TenantPage } from '@extplat/api-client';
import { SessionService } from '../auth/session.service';
import { explain } from './api-error';
import { ApiHttp } from './api-http';
import { withoutBlanks } from './pages';

const STORAGE_KEY = 'extplat.tenant';

/** Tenants a picker shows at once; typing narrows the rest on the server. */
export const TENANT_PICKER_PAGE = 20;

/**
 * The tenant the console shows installs for. Tenant users have exactly one (from their principal, never
 * chosen); platform admins act across tenants and pick one, remembered across visits.
 *
 * There may be tens of thousands of tenants, so nothing here loads them all: the picker searches the server
 * a page at a time, and names shown in lists (a key's tenant, a user's tenant) are fetched one by one, once,
 * and remembered.
 */
@Injectable({ providedIn: 'root' })
export class TenantContext {
  private readonly api = inject(ApiHttp);
  private readonly session = inject(SessionService);
  private readonly chosen = signal<string | null>(localStorage.getItem(STORAGE_KEY));
  private readonly known = signal<ReadonlyMap<string, Tenant>>(new Map());
  private readonly asked = new Set<string>();

  readonly tenantId = computed(() => {
    const principal = this.session.principal();
    if (!principal) return null;
    return principal.tenantId ?? this.chosen();
  });
  /** The chosen tenant, once its name is known (platform admins only). */
  readonly tenant = computed(() => {
    const id = this.tenantId();
    return id === null ? null : (this.known().get(id) ?? null);
  });

  constructor() {
    effect(() => {
      if (!this.session.isPlatformAdmin()) return;
      const id = this.chosen();
      untracked(() => void (id === null ? this.chooseFirst() : this.checkChosen(id)));
    });
  }

  choose(tenant: Tenant | null): void {
    if (tenant) {
      this.remember([tenant]);
      localStorage.setItem(STORAGE_KEY, tenant.id);
    } else {
      localStorage.removeItem(STORAGE_KEY);
    }
    this.chosen.set(tenant?.id ?? null);
  }

  /** One page of tenants whose slug or name starts with `q`; the names are remembered for `nameOf`. */
  async search(q: string, cursor?: string): Promise<TenantPage> {
    const page = await this.api.get('/api/tenants', {
      query: { limit: TENANT_PICKER_PAGE, ...withoutBlanks({ q, cursor }) },
    });
    this.remember(page.items);
    return page;
  }

  /**
   * A tenant's name for display (platform admins): known names at once; an unknown one is fetched once
   * and shows as its id until it arrives (or for good, when the tenant is gone or the caller may not read it).
   */
  nameOf(tenantId: string): string {
    const name = this.known().get(tenantId)?.name;
    if (name === undefined && this.session.isPlatformAdmin() && !this.asked.has(tenantId)) {
      this.asked.add(tenantId);
      void this.fetch(tenantId).catch(() => undefined);
    }
    return name ?? tenantId;
  }

  /** Takes note of tenants' current names (after a create or a rename, or from a page of a search). */
  remember(tenants: readonly Tenant[]): void {
    if (tenants.every((tenant) => this.known().get(tenant.id)?.name === tenant.name)) return;
    this.known.update((known) => {
      const next = new Map(known);
      for (const tenant of tenants) next.set(tenant.id, tenant);
      return next;
    });
  }

  private async fetch(tenantId: string): Promise<Tenant> {
    const tenant = await this.api.get('/api/tenants/{id}', { path: { id: tenantId } });
    this.remember([tenant]);
    return tenant;
  }

  /** The remembered tenant may have been deleted, or belong to another database: then pick the first. */
  private async checkChosen(tenantId: string): Promise<void> {
    if (this.known().has(tenantId)) return;
    try {
      this.asked.add(tenantId);
      await this.fetch(tenantId);
    } catch (failure) {
      if (explain(failure).code === 'TENANT_NOT_FOUND' && this.chosen() === tenantId) await this.chooseFirst(tenantId);
    }
  }

  /** Chooses the first tenant by slug, unless someone chose another meanwhile. */
  private async chooseFirst(replacing: string | null = null): Promise<void> {
    try {
      const first = (await this.search('')).items[0] ?? null;
      if (this.chosen() === replacing) this.choose(first);
    } catch {
      // The picker stays empty; pages that need a tenant say so.
    }
  }
}
