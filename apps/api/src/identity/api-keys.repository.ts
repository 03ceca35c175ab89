import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { likePrefix } from '@extplat/server-core';
import { ApiKeyEntity } from './api-key.entity.js';
import type { Role } from '../access/principal.js';

export interface NewApiKey {
  tenantId: string | null;
  role: Role;
  name: string;
  prefix: string;
  secretHash: string;
  createdBy: string;
  expiresAt: Date | null;
}

/** How stale `last_used_at` may get: one write a minute per key instead of one per request. */
const LAST_USED_RESOLUTION = `interval '1 minute'`;

/** The only place that queries `api_keys`. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(key: NewApiKey, manager: EntityManager = this.dataSource.manager): Promise<ApiKeyEntity> {
    const id = randomUUID();
    await manager.getRepository(ApiKeyEntity).insert({ id, ...key });
    return manager.getRepository(ApiKeyEntity).findOneByOrFail({ id });
  }

  findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<ApiKeyEntity | null> {
    return manager.getRepository(ApiKeyEntity).findOneBy({ id });
  }

  findByPrefix(prefix: string): Promise<ApiKeyEntity | null> {
    return this.dataSource.getRepository(ApiKeyEntity).findOneBy({ prefix });
  }

  /**
   * Keys of one tenant, or of every tenant (platform keys included) when `tenantId` is undefined; with
   * `namePrefix`, only those whose lowercased name starts with it (through `api_keys_name_prefix_idx`).
   */
  list(
    filter: { tenantId?: string; namePrefix?: string },
    page: { limit: number; before?: { at: string; tieBreak: string } },
  ): Promise<ApiKeyEntity[]> {
    // Newest first, at the millisecond the cursor carries (a JavaScript Date), so the keyset never skips a tie.
    const query = this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .orderBy("date_trunc('milliseconds', k.created_at)", 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(page.limit);
    if (filter.tenantId !== undefined) query.andWhere('k.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.namePrefix !== undefined) {
      query.andWhere(`lower(k.name) LIKE :namePrefix ESCAPE '\\'`, {
        namePrefix: likePrefix(filter.namePrefix.toLowerCase()),
      });
    }
    if (page.before) {
      query.andWhere(
        "(date_trunc('milliseconds', k.created_at), k.id) < (:at::timestamptz, :tieBreak::uuid)",
        page.before,
      );
    }
    return query.getMany();
  }

  /** Sets `revoked_at` unless already set; true when this call revoked it. */
  async revoke(id: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Revokes the live keys that the user created, and the keys those keys created, and so on: a key never
   * outlives the authority of whoever made it. Answers the keys this call revoked.
   */
  async revokeCreatedByUser(
    userId: string,
    manager: EntityManager,
  ): Promise<Pick<ApiKeyEntity, 'id' | 'tenantId' | 'name' | 'prefix'>[]> {
    const rows = await manager.query<{ id: string; tenant_id: string | null; name: string; prefix: string }[]>(
      `WITH RECURSIVE created (id) AS (
         SELECT id FROM api_keys WHERE created_by = 'user:' || $1::text
         UNION
         SELECT k.id FROM api_keys k JOIN created c ON k.created_by = 'api-key:' || c.id::text
       ),
       revoked AS (
         UPDATE api_keys SET revoked_at = now()
           WHERE revoked_at IS NULL AND id IN (SELECT id FROM created)
           RETURNING id, tenant_id, name, prefix
       )
       -- A SELECT on top, so the driver answers rows (for a bare UPDATE it answers [rows, count]).
       SELECT id, tenant_id, name, prefix FROM revoked ORDER BY id`,
      [userId],
    );
    return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, name: row.name, prefix: row.prefix }));
  }

  /** Records a use, at most once a minute per key (the condition makes concurrent requests write once). */
  async touchLastUsed(id: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ lastUsedAt: () => 'now()' })
      .where(`id = :id AND (last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_RESOLUTION})`, { id })
      .execute();
  }
}
