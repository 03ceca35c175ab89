import { inject, Injectable } from '@angular/core';
import type { ApiKey, CreatedApiKey, Role } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';

/** API keys (`/api/api-keys`): the whole key comes back once, at creation. */
@Injectable({ providedIn: 'root' })
export class ApiKeysService {
  private readonly api = inject(ApiHttp);

  // Typed by the declared return types while the document does not describe these answers (pending.ts).
  list(): Promise<ApiKey[]> {
    return this.api.get('/api/api-keys');
  }

  create(request: { name: string; role: Role; tenantId?: string; expiresAt?: string }): Promise<CreatedApiKey> {
    return this.api.post('/api/api-keys', { body: request });
  }

  revoke(id: string): Promise<ApiKey> {
    return this.api.delete('/api/api-keys/{id}', { path: { id } });
  }
}
