import { inject, Injectable } from '@angular/core';
import type { ApiKey, CreatedApiKey, Role } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';
import { type Page, withoutBlanks } from '../core/pages';
import { PAGE_SIZE } from '../extensions/registry.service';

/** API keys (`/api/api-keys`): the whole key comes back once, at creation. */
@Injectable({ providedIn: 'root' })
export class ApiKeysService {
  private readonly api = inject(ApiHttp);

  /** One page, newest first; `q` keeps the keys whose name starts with it (the server searches). */
  page(query: { q: string; cursor?: string }): Promise<Page<ApiKey>> {
    return this.api.get('/api/api-keys', { query: { limit: PAGE_SIZE, ...withoutBlanks(query) } });
  }

  create(request: { name: string; role: Role; tenantId?: string; expiresAt?: string }): Promise<CreatedApiKey> {
    return this.api.post('/api/api-keys', { body: request });
  }

  revoke(id: string): Promise<ApiKey> {
    return this.api.delete('/api/api-keys/{id}', { path: { id } });
  }
}
