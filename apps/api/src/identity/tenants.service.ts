import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DEFAULT_PAGE_LIMIT, decodeCursor, DomainError, type Page, pageOf } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AuthErrors } from '../access/auth.errors.js';
import type { Principal } from '../access/principal.js';
import type { TenantEntity } from './tenant.entity.js';
import { TenantsRepository } from './tenants.repository.js';
import { UsersRepository } from './users.repository.js';

/** A tenant as the list shows it: with the number of its users. */
export interface TenantSummary {
  tenant: TenantEntity;
  userCount: number;
}

/** Tenants are created, renamed and listed by platform admins (the route's permission says so). */
@Injectable()
export class TenantsService {
  constructor(
    // Only to open transactions, so a tenant and its audit event are written together or not at all.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
  ) {}

  create(actor: Principal, request: { slug: string; name: string }): Promise<TenantEntity> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await this.tenants.insertUnlessSlugTaken(request, manager);
      if (!tenant) {
        throw new DomainError(AuthErrors.TENANT_SLUG_TAKEN, 'A tenant with that slug exists', { slug: request.slug });
      }
      await this.audit.record(
        {
          type: 'tenant.create',
          actor,
          tenantId: tenant.id,
          subject: `tenant:${tenant.id}`,
          outcome: 'success',
          data: { slug: tenant.slug, name: tenant.name },
        },
        manager,
      );
      return tenant;
    });
  }

  /** Renames the tenant (its slug, which scripts use, stays). Renaming to the same name changes nothing. */
  rename(actor: Principal, id: string, name: string): Promise<TenantEntity> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await this.tenants.findByIdForUpdate(id, manager);
      if (!tenant) throw new DomainError(AuthErrors.TENANT_NOT_FOUND, 'No tenant has that id', { tenantId: id });
      if (tenant.name === name) return tenant;
      await this.tenants.rename(tenant.id, name, manager);
      await this.audit.record(
        {
          type: 'tenant.rename',
          actor,
          tenantId: tenant.id,
          subject: `tenant:${tenant.id}`,
          outcome: 'success',
          data: { slug: tenant.slug, from: tenant.name, to: name },
        },
        manager,
      );
      return { ...tenant, name };
    });
  }

  /** One tenant, for pages that show a tenant's name without listing every tenant. */
  async get(id: string): Promise<TenantEntity> {
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw new DomainError(AuthErrors.TENANT_NOT_FOUND, 'No tenant has that id', { tenantId: id });
    return tenant;
  }

  /** A page of tenants by slug, each with its user count (one more query per page, not per tenant). */
  async list(query: { limit?: number; cursor?: string; q?: string }): Promise<Page<TenantSummary>> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 1)[0];
    const prefix = query.q?.trim() || undefined;
    const rows = await this.tenants.list({ prefix }, { limit: limit + 1, after });
    const counts = await this.users.countByTenant(rows.slice(0, limit).map((tenant) => tenant.id));
    return pageOf(
      rows,
      limit,
      (tenant) => [tenant.slug],
      (tenant) => ({ tenant, userCount: counts.get(tenant.id) ?? 0 }),
    );
  }
}
