import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { likePrefix } from '@extplat/server-core';
import { DataSource, type EntityManager } from 'typeorm';
import { TenantEntity } from './tenant.entity.js';

/** The only place that queries `tenants`. */
@Injectable()
export class TenantsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOneBy({ id });
  }

  /** Inserts the tenant unless the slug is taken (then null). */
  async insertUnlessSlugTaken(
    tenant: { slug: string; name: string },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TenantEntity | null> {
    const id = randomUUID();
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(TenantEntity)
      .values({ id, ...tenant })
      .orIgnore()
      .returning(['id'])
      .execute();
    if ((result.raw as unknown[]).length === 0) return null;
    return manager.getRepository(TenantEntity).findOneByOrFail({ id });
  }

  /** The tenant, locked until the transaction of `manager` ends. */
  findByIdForUpdate(id: string, manager: EntityManager): Promise<TenantEntity | null> {
    return manager.getRepository(TenantEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async rename(id: string, name: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(TenantEntity).update({ id }, { name });
  }

  /**
   * By slug, after the slug `page.after` (keyset). `filter.prefix` keeps the tenants whose slug or name starts
   * with it, ignoring case; both sides have a `text_pattern_ops` index (migration 1764496800000).
   */
  list(filter: { prefix?: string }, page: { limit: number; after?: string }): Promise<TenantEntity[]> {
    const query = this.dataSource
      .getRepository(TenantEntity)
      .createQueryBuilder('t')
      .orderBy('t.slug', 'ASC')
      .limit(page.limit);
    if (filter.prefix !== undefined) {
      query.andWhere(`(t.slug LIKE :prefix ESCAPE '\\' OR lower(t.name) LIKE :prefix ESCAPE '\\')`, {
        prefix: likePrefix(filter.prefix.toLowerCase()),
      });
    }
    if (page.after !== undefined) query.andWhere('t.slug > :after', { after: page.after });
    return query.getMany();
  }
}
