import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import type { Role } from './principal.js';
import { UserEntity } from './user.entity.js';

export interface NewUser {
  tenantId: string | null;
  email: string;
  passwordHash: string;
  role: Role;
}

/** The only place that queries `users`. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<UserEntity | null> {
    return manager.getRepository(UserEntity).findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ email });
  }

  /** Inserts the user unless the email is taken (then null): one statement, so concurrent inserts are safe. */
  async insertUnlessEmailTaken(
    user: NewUser,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<UserEntity | null> {
    const id = randomUUID();
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({ id, ...user })
      .orIgnore()
      .returning(['id'])
      .execute();
    if ((result.raw as unknown[]).length === 0) return null;
    return manager.getRepository(UserEntity).findOneByOrFail({ id });
  }

  /** Users of one tenant, or of every tenant (platform admins included) when `tenantId` is undefined. */
  list(filter: { tenantId?: string }): Promise<UserEntity[]> {
    return this.dataSource.getRepository(UserEntity).find({
      where: filter.tenantId === undefined ? {} : { tenantId: filter.tenantId },
      order: { createdAt: 'ASC', email: 'ASC' },
    });
  }

  /** The user, locked until the transaction of `manager` ends (so concurrent changes to it queue). */
  findByIdForUpdate(id: string, manager: EntityManager): Promise<UserEntity | null> {
    return manager.getRepository(UserEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Locks every enabled platform admin (in id order, so concurrent callers cannot deadlock) and answers their
   * ids: whoever holds these locks can tell whether a change leaves one, and nobody else can change that.
   */
  async lockEnabledPlatformAdmins(manager: EntityManager): Promise<string[]> {
    const rows = await manager
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .select('user.id', 'id')
      .where(`user.role = 'platform-admin' AND user.disabled_at IS NULL`)
      .orderBy('user.id')
      .setLock('pessimistic_write')
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  /** Disables the user and ends its sessions; enabling leaves the sessions ended. */
  async setDisabled(id: string, disabled: boolean, manager: EntityManager): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(UserEntity)
      .set(
        disabled
          ? { disabledAt: () => 'now()', sessionGeneration: () => 'session_generation + 1' }
          : { disabledAt: null },
      )
      .where('id = :id', { id })
      .execute();
  }

  async setRole(id: string, role: Role, manager: EntityManager): Promise<void> {
    await manager.getRepository(UserEntity).update({ id }, { role });
  }

  /** Replaces the password hash and ends every session of the user. */
  async setPassword(id: string, passwordHash: string, manager: EntityManager): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(UserEntity)
      .set({ passwordHash, sessionGeneration: () => 'session_generation + 1' })
      .where('id = :id', { id })
      .execute();
  }

  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(UserEntity).delete({ id });
  }

  async platformAdminExists(): Promise<boolean> {
    return this.dataSource.getRepository(UserEntity).existsBy({ role: 'platform-admin', tenantId: IsNull() });
  }
}
