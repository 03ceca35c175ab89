import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CommonErrors,
  DEFAULT_PAGE_LIMIT,
  decodeTimeCursor,
  DomainError,
  type Page,
  pageOf,
} from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { generateApiKey } from './api-key-token.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { AuthErrors } from '../access/auth.errors.js';
import type { Principal, Role } from '../access/principal.js';
import { canSeeTenant, resolveGrant, resolveListScope } from '../access/tenant-scope.js';
import { TenantsRepository } from './tenants.repository.js';

export interface NewApiKeyRequest {
  name: string;
  role: Role;
  tenantId?: string | undefined;
  expiresAt?: Date | undefined;
}

/** API keys: created for a role and a tenant, shown once, listed without secrets, revoked for good. */
@Injectable()
export class ApiKeysService {
  constructor(
    // Only to open transactions, so a key and its audit event are written together or not at all.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditService,
  ) {}

  async create(
    actor: Principal,
    request: NewApiKeyRequest,
    now: Date = new Date(),
  ): Promise<{ entity: ApiKeyEntity; key: string }> {
    const grant = resolveGrant(actor, request);
    if (request.expiresAt !== undefined && request.expiresAt <= now) {
      throw new DomainError(CommonErrors.VALIDATION_FAILED, 'The request is not valid', {
        issues: [{ path: 'expiresAt', message: 'expiresAt must be in the future' }],
      });
    }
    if (grant.tenantId !== null && !(await this.tenants.findById(grant.tenantId))) {
      throw new DomainError(AuthErrors.TENANT_NOT_FOUND, 'No tenant has that id', { tenantId: grant.tenantId });
    }
    const generated = generateApiKey();
    const entity = await this.dataSource.transaction(async (manager) => {
      const inserted = await this.apiKeys.insert(
        {
          tenantId: grant.tenantId,
          role: grant.role,
          name: request.name,
          prefix: generated.prefix,
          secretHash: generated.secretHash,
          createdBy: `${actor.kind}:${actor.id}`,
          expiresAt: request.expiresAt ?? null,
        },
        manager,
      );
      await this.audit.record(
        {
          type: 'api-key.create',
          actor,
          tenantId: inserted.tenantId,
          subject: `api-key:${inserted.id}`,
          outcome: 'success',
          data: {
            name: inserted.name,
            role: inserted.role,
            prefix: inserted.prefix,
            expiresAt: request.expiresAt?.toISOString() ?? null,
          },
        },
        manager,
      );
      return inserted;
    });
    return { entity, key: generated.key };
  }

  async list(
    actor: Principal,
    query: { tenantId?: string; limit?: number; cursor?: string; q?: string },
  ): Promise<Page<ApiKeyEntity>> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const before = query.cursor === undefined ? undefined : decodeTimeCursor(query.cursor, 'uuid');
    const namePrefix = query.q?.trim() || undefined;
    const rows = await this.apiKeys.list(
      { ...resolveListScope(actor, query.tenantId), ...(namePrefix === undefined ? {} : { namePrefix }) },
      { limit: limit + 1, before },
    );
    return pageOf(
      rows,
      limit,
      (key) => [key.createdAt.toISOString(), key.id],
      (key) => key,
    );
  }

  /** Idempotent: revoking a revoked key returns it unchanged. Keys of other tenants do not exist (404). */
  async revoke(actor: Principal, id: string): Promise<ApiKeyEntity> {
    const existing = await this.apiKeys.findById(id);
    if (!existing || !canSeeTenant(actor, existing.tenantId)) {
      throw new DomainError(AuthErrors.API_KEY_NOT_FOUND, 'No API key has that id', { id });
    }
    if (existing.revokedAt !== null) return existing;
    return this.dataSource.transaction(async (manager) => {
      if (await this.apiKeys.revoke(id, manager)) {
        await this.audit.record(
          {
            type: 'api-key.revoke',
            actor,
            tenantId: existing.tenantId,
            subject: `api-key:${id}`,
            outcome: 'success',
            data: { name: existing.name, prefix: existing.prefix },
          },
          manager,
        );
      }
      return (await this.apiKeys.findById(id, manager)) ?? existing;
    });
  }
}
