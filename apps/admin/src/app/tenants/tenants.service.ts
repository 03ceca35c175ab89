import { inject, Injectable } from '@angular/core';
import type { Tenant, TenantPage } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';
import { withoutBlanks } from '../core/pages';

/** A tenant as the list shows it, with its user count. */
export type TenantListItem = TenantPage['items'][number];

/** Tenants (`/api/tenants`), for platform admins: one page at a time, searched on the server. */
@Injectable({ providedIn: 'root' })
export class TenantsService {
  private readonly api = inject(ApiHttp);

  page(query: { q?: string; cursor?: string }): Promise<TenantPage> {
    return this.api.get('/api/tenants', { query: withoutBlanks(query) });
  }

  create(request: { slug: string; name: string }): Promise<Tenant> {
    return this.api.post('/api/tenants', { body: request });
  }

  rename(id: string, name: string): Promise<Tenant> {
    return this.api.patch('/api/tenants/{id}', { path: { id }, body: { name } });
  }
}
