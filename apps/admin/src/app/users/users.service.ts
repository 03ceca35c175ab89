import { inject, Injectable } from '@angular/core';
import type { Role, User, UserPage } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';
import { withoutBlanks } from '../core/pages';

/** Console users (`/api/users`): the API scopes tenant admins to their own tenant. */
@Injectable({ providedIn: 'root' })
export class UsersService {
  private readonly api = inject(ApiHttp);

  page(query: { q?: string; tenantId?: string; cursor?: string }): Promise<UserPage> {
    return this.api.get('/api/users', { query: withoutBlanks(query) });
  }

  create(request: { email: string; password: string; role: Role; tenantId?: string }): Promise<User> {
    return this.api.post('/api/users', { body: request });
  }

  setDisabled(id: string, disabled: boolean): Promise<User> {
    return disabled
      ? this.api.post('/api/users/{id}/disable', { path: { id } })
      : this.api.post('/api/users/{id}/enable', { path: { id } });
  }

  changeRole(id: string, role: Role): Promise<User> {
    return this.api.put('/api/users/{id}/role', { path: { id }, body: { role } });
  }

  resetPassword(id: string, password: string): Promise<User> {
    return this.api.post('/api/users/{id}/password', { path: { id }, body: { password } });
  }

  async delete(id: string): Promise<void> {
    await this.api.delete('/api/users/{id}', { path: { id } });
  }
}
