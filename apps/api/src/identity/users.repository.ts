import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { likePrefix } from '@extplat/server-core';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import type { Role } from '../access/principal.js';
import { UserEntity } from './user.entity.js';

/** A page of users: after the (createdAt, email) of the previous page's last user. */
export interface UserListPage {
  limit: number;
  after?: { at: string; tieBreak: string };
}

export interface NewUser {
  tenantId: string | null;
  email: string;
  passwordHash: string;
  role: Role;
}

/** Advisory lock key for changes that may remove an enabled platform admin ("pfadmins" read as a bigint). */
const PLATFORM_ADMINS_LOCK_KEY = '8099268063832665715';

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

  /**
   * Users of one tenant, or of every tenant (platform admins included) when `tenantId` is undefined;
   * `emailPrefix` keeps those whose email starts with it (emails are stored lowercase, and
   * `users_email_prefix_idx` serves the prefix).
   */
  list(filter: { tenantId?: string; emailPrefix?: string }, page: UserListPage): Promise<UserEntity[]> {
    // Ordered at the millisecond the cursor carries (a JavaScript Date), so the keyset never skips a tie.
    const query = this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .orderBy("date_trunc('milliseconds', u.created_at)", 'ASC')
      .addOrderBy('u.email', 'ASC')
      .limit(page.limit);
    if (filter.tenantId !== undefined) query.andWhere('u.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.emailPrefix !== undefined) {
      query.andWhere(`u.email LIKE :emailPrefix ESCAPE '\\'`, { emailPrefix: likePrefix(filter.emailPrefix) });
    }
    if (page.after) {
      query.andWhere("(date_trunc('milliseconds', u.created_at), u.email) > (:at::timestamptz, :tieBreak)", page.after);
    }
    return query.getMany();
  }

  /** How many users each of these tenants has (one grouped query over `users_tenant_id_idx`). */
  async countByTenant(tenantIds: string[]): Promise<Map<string, number>> {
    if (tenantIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .select('u.tenant_id', 'tenantId')
      .addSelect('count(*)::int', 'count')
      .where('u.tenant_id IN (:...tenantIds)', { tenantIds })
      .groupBy('u.tenant_id')
      .getRawMany<{ tenantId: string; count: number }>();
    return new Map(rows.map((row) => [row.tenantId, row.count]));
  }

  /** The user, locked until the transaction of `manager` ends (so concurrent changes to it queue). */
  findByIdForUpdate(id: string, manager: EntityManager): Promise<UserEntity | null> {
    return manager.getRepository(UserEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * The enabled platform admins, read under a transaction-scoped advisory lock that every change able to
   * remove one takes first: two admins disabling each other at once queue here, and the second one sees the
   * first one's change. (Row locks on the admins would deadlock against the target's own row lock.)
   */
  async lockEnabledPlatformAdmins(manager: EntityManager): Promise<string[]> {
    await manager.query(`SELECT pg_advisory_xact_lock($1)`, [PLATFORM_ADMINS_LOCK_KEY]);
    const rows = await manager
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .select('user.id', 'id')
      .where(`user.role = 'platform-admin' AND user.disabled_at IS NULL`)
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
