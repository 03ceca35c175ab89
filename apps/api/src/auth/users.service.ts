import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AuthErrors } from './auth.errors.js';
import { normalizeEmail } from './email.js';
import { hashPassword } from './password.js';
import type { Principal, Role } from './principal.js';
import { resolveGrant, resolveListScope } from './tenant-scope.js';
import { TenantsRepository } from './tenants.repository.js';
import type { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

export interface NewUserRequest {
  email: string;
  password: string;
  role: Role;
  tenantId?: string | undefined;
}

export type BootstrapOutcome = 'created' | 'admin-exists' | 'email-taken';

/** Console users: platform admins create anyone, tenant admins their own tenant's admins and members. */
@Injectable()
export class UsersService {
  constructor(
    // Only to open transactions, so a user and its audit event are written together or not at all.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Principal, request: NewUserRequest): Promise<UserEntity> {
    const grant = resolveGrant(actor, request);
    if (grant.tenantId !== null && !(await this.tenants.findById(grant.tenantId))) {
      throw new DomainError(AuthErrors.TENANT_NOT_FOUND, 'No tenant has that id', { tenantId: grant.tenantId });
    }
    const created = await this.insert(actor, { email: request.email, password: request.password, ...grant });
    if (!created) throw new DomainError(AuthErrors.EMAIL_TAKEN, 'A user with that email exists');
    return created;
  }

  list(actor: Principal, requestedTenantId: string | undefined): Promise<UserEntity[]> {
    return this.users.list(resolveListScope(actor, requestedTenantId));
  }

  /**
   * Creates the first platform admin unless one exists. Safe when several processes start at once: the
   * insert does nothing when the email is already taken, so exactly one of them creates it.
   */
  async ensureBootstrapAdmin(email: string, password: string): Promise<BootstrapOutcome> {
    if (await this.users.platformAdminExists()) return 'admin-exists';
    const created = await this.insert(null, { email, password, role: 'platform-admin', tenantId: null });
    if (created) return 'created';
    return (await this.users.platformAdminExists()) ? 'admin-exists' : 'email-taken';
  }

  /** Null when the email is taken. The password is hashed before the transaction opens (it takes ~90 ms). */
  private async insert(
    actor: Principal | null,
    user: { email: string; password: string; role: Role; tenantId: string | null },
  ): Promise<UserEntity | null> {
    const passwordHash = await hashPassword(user.password);
    return this.dataSource.transaction(async (manager) => {
      const inserted = await this.users.insertUnlessEmailTaken(
        { email: normalizeEmail(user.email), passwordHash, role: user.role, tenantId: user.tenantId },
        manager,
      );
      if (!inserted) return null;
      await this.audit.record(
        {
          type: 'user.create',
          actor,
          tenantId: inserted.tenantId,
          subject: `user:${inserted.id}`,
          outcome: 'success',
          data: { email: inserted.email, role: inserted.role },
        },
        manager,
      );
      return inserted;
    });
  }
}
