import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import type { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

/**
 * What authentication reads and writes of a user: the identity module owns the `users` table, so logins
 * and password changes go through here rather than through its repository.
 */
@Injectable()
export class UserCredentials {
  constructor(private readonly users: UsersRepository) {}

  findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.users.findById(id, manager);
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findByEmail(email);
  }

  /** Inside the caller's transaction, so the change and its audit event commit together. */
  setPassword(id: string, passwordHash: string, manager: EntityManager): Promise<void> {
    return this.users.setPassword(id, passwordHash, manager);
  }
}

/** What authentication reads and writes of an API key (the identity module owns `api_keys`). */
@Injectable()
export class ApiKeyCredentials {
  constructor(private readonly apiKeys: ApiKeysRepository) {}

  findByPrefix(prefix: string): Promise<ApiKeyEntity | null> {
    return this.apiKeys.findByPrefix(prefix);
  }

  touchLastUsed(id: string): Promise<void> {
    return this.apiKeys.touchLastUsed(id);
  }
}
