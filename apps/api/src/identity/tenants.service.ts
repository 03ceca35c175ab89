import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DEFAULT_PAGE_LIMIT, decodeCursor, DomainError, type Page, pageOf } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AuthErrors } from '../access/auth.errors.js';
import type { Principal } from '../access/principal.js';
import type { TenantEntity } from './tenant.entity.js';
import { TenantsRepository } from './tenants.repository.js';

/** Tenants are created and listed by platform admins (the route's permission says so). */
@Injectable()
export class TenantsService {
  constructor(
    // Only to open transactions, so a tenant and its audit event are written together or not at all.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenants: TenantsRepository,
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

  async list(page: { limit?: number; cursor?: string }): Promise<Page<TenantEntity>> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 1)[0];
    const rows = await this.tenants.list({ limit: limit + 1, after });
    return pageOf(
      rows,
      limit,
      (tenant) => [tenant.slug],
      (tenant) => tenant,
    );
  }
}
