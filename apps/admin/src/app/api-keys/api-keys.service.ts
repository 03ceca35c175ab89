import { inject, Injectable } from '@angular/core';
import type { ApiKey, CreatedApiKey, Role } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';
import { allPages } from '../core/pages';

/** API keys (`/api/api-keys`): the whole key comes back once, at creation. */
@Injectable({ providedIn: 'root' })
export class ApiKeysService {
  private readonly api = inject(ApiHttp);

  list(): Promise<ApiKey[]> {
    return allPages((cursor) => this.api.get('/api/api-keys', { query: { ...(cursor ? { cursor } : {}) } }));
  }

  create(request: { name: string; role: Role; tenantId?: string; expiresAt?: string }): Promise<CreatedApiKey> {
    return this.api.post('/api/api-keys', { body: request });
  }

  revoke(id: string): Promise<ApiKey> {
    return this.api.delete('/api/api-keys/{id}', { path: { id } });
  }
}
