import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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

  /** By slug, after the slug `page.after` (keyset). */
  list(page: { limit: number; after?: string }): Promise<TenantEntity[]> {
    const query = this.dataSource
      .getRepository(TenantEntity)
      .createQueryBuilder('t')
      .orderBy('t.slug', 'ASC')
      .limit(page.limit);
    if (page.after !== undefined) query.where('t.slug > :after', { after: page.after });
    return query.getMany();
  }
}
