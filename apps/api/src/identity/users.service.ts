import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { TENANT_GRANTABLE_ROLES } from '@extplat/contracts';
import {
  CommonErrors,
  DEFAULT_PAGE_LIMIT,
  decodeTimeCursor,
  DomainError,
  type Page,
  pageOf,
} from '@extplat/server-core';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { AuthErrors } from '../access/auth.errors.js';
import { normalizeEmail } from './email.js';
import { hashPassword } from './password.js';
import type { Principal, Role } from '../access/principal.js';
import { canSeeTenant, resolveGrant, resolveListScope } from '../access/tenant-scope.js';
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

/**
 * Console users and their lifecycle: platform admins manage anyone, tenant admins their own tenant's admins
 * and members (platform admins do not exist for them: 404). Nobody disables, deletes, re-roles or resets
 * the password of themselves, and no change leaves the platform without an enabled platform admin. Every
 * change is audited in the transaction that makes it.
 */
@Injectable()
export class UsersService {
  constructor(
    // Only to open transactions, so a user and its audit event are written together or not at all.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
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

  async list(
    actor: Principal,
    query: { tenantId?: string; limit?: number; cursor?: string; q?: string },
  ): Promise<Page<UserEntity>> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const after = query.cursor === undefined ? undefined : decodeTimeCursor(query.cursor, 'text');
    const emailPrefix = query.q === undefined ? undefined : normalizeEmail(query.q) || undefined;
    const rows = await this.users.list(
      { ...resolveListScope(actor, query.tenantId), ...(emailPrefix === undefined ? {} : { emailPrefix }) },
      { limit: limit + 1, after },
    );
    return pageOf(
      rows,
      limit,
      (user) => [user.createdAt.toISOString(), user.email],
      (user) => user,
    );
  }

  async get(actor: Principal, id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user || !canSeeTenant(actor, user.tenantId)) throw userNotFound(id);
    return user;
  }

  /**
   * Disables the user: it can no longer log in, its sessions end, and the API keys it created (and the keys
   * those created) are revoked. Idempotent: disabling a disabled user changes nothing.
   */
  disable(actor: Principal, id: string): Promise<UserEntity> {
    return this.change(actor, id, async (user, manager) => {
      if (user.disabledAt !== null) return undefined;
      await this.refuseLastPlatformAdmin(user, manager);
      await this.users.setDisabled(user.id, true, manager);
      const revokedApiKeys = await this.revokeKeysOf(actor, user, 'creator-disabled', manager);
      return { type: 'user.disable', data: { email: user.email, revokedApiKeys } };
    });
  }

  /** Enables a disabled user. Its old sessions stay ended and its revoked keys stay revoked. */
  enable(actor: Principal, id: string): Promise<UserEntity> {
    return this.change(actor, id, async (user, manager) => {
      if (user.disabledAt === null) return undefined;
      await this.users.setDisabled(user.id, false, manager);
      return { type: 'user.enable', data: { email: user.email } };
    });
  }

  /**
   * Changes the role within the user's scope: tenant-admin and member swap; platform admins stay platform
   * admins (they have no tenant, so a change of scope is a new user). A demotion revokes the keys the user
   * created, which a member could not have created. The sessions go on with the new role, read per request.
   */
  changeRole(actor: Principal, id: string, role: Role): Promise<UserEntity> {
    if (actor.role !== 'platform-admin' && !TENANT_GRANTABLE_ROLES.includes(role)) {
      throw new DomainError(CommonErrors.FORBIDDEN, 'Tenant admins may grant only the tenant-admin and member roles');
    }
    return this.change(actor, id, async (user, manager) => {
      if ((user.role === 'platform-admin') !== (role === 'platform-admin')) {
        throw new DomainError(
          AuthErrors.INVALID_ROLE_SCOPE,
          'A platform admin belongs to no tenant and the other roles to one: create a new user instead',
        );
      }
      if (user.role === role) return undefined;
      await this.users.setRole(user.id, role, manager);
      const revokedApiKeys = role === 'member' ? await this.revokeKeysOf(actor, user, 'creator-demoted', manager) : [];
      return { type: 'user.role-change', data: { email: user.email, from: user.role, to: role, revokedApiKeys } };
    });
  }

  /** Sets a new password for someone else; every session of theirs ends. */
  async resetPassword(actor: Principal, id: string, password: string): Promise<UserEntity> {
    const passwordHash = await hashPassword(password);
    return this.change(actor, id, async (user, manager) => {
      await this.users.setPassword(user.id, passwordHash, manager);
      return { type: 'user.password-reset', data: { email: user.email } };
    });
  }

  /**
   * Deletes the user for good (its email becomes free); its sessions end with it and its keys are revoked.
   * The audit log keeps its history.
   */
  async delete(actor: Principal, id: string): Promise<void> {
    await this.change(actor, id, async (user, manager) => {
      await this.refuseLastPlatformAdmin(user, manager);
      const revokedApiKeys = await this.revokeKeysOf(actor, user, 'creator-deleted', manager);
      await this.users.delete(user.id, manager);
      return { type: 'user.delete', data: { email: user.email, role: user.role, revokedApiKeys } };
    });
  }

  /**
   * Locks the target user, checks the actor may manage it, applies `apply` and records what it returns as one
   * audit event, all in one transaction. `apply` answers undefined when there is nothing to change.
   */
  private async change(
    actor: Principal,
    id: string,
    apply: (
      user: UserEntity,
      manager: EntityManager,
    ) => Promise<{ type: AuditEventType; data: Record<string, unknown> } | undefined>,
  ): Promise<UserEntity> {
    return this.dataSource.transaction(async (manager) => {
      const user = await this.users.findByIdForUpdate(id, manager);
      if (!user || !canSeeTenant(actor, user.tenantId)) throw userNotFound(id);
      if (actor.kind === 'user' && actor.id === user.id) {
        throw new DomainError(
          AuthErrors.CANNOT_MANAGE_SELF,
          'You cannot do this to your own account; another admin can (change your password at PUT /api/auth/password)',
        );
      }
      const event = await apply(user, manager);
      if (!event) return user;
      await this.audit.record(
        {
          type: event.type,
          actor,
          tenantId: user.tenantId,
          subject: `user:${user.id}`,
          outcome: 'success',
          data: event.data,
        },
        manager,
      );
      return (await this.users.findById(user.id, manager)) ?? user;
    });
  }

  /** Refuses to disable or delete the last enabled platform admin (the lock keeps two admins from racing). */
  private async refuseLastPlatformAdmin(user: UserEntity, manager: EntityManager): Promise<void> {
    if (user.role !== 'platform-admin' || user.disabledAt !== null) return;
    const enabled = await this.users.lockEnabledPlatformAdmins(manager);
    if (enabled.every((adminId) => adminId === user.id)) {
      throw new DomainError(AuthErrors.LAST_PLATFORM_ADMIN, 'This is the last enabled platform admin');
    }
  }

  /** Revokes the keys `user` created (transitively), each with its own audit event; answers their ids. */
  private async revokeKeysOf(
    actor: Principal,
    user: UserEntity,
    reason: string,
    manager: EntityManager,
  ): Promise<string[]> {
    const revoked = await this.apiKeys.revokeCreatedByUser(user.id, manager);
    for (const key of revoked) {
      await this.audit.record(
        {
          type: 'api-key.revoke',
          actor,
          tenantId: key.tenantId,
          subject: `api-key:${key.id}`,
          outcome: 'success',
          data: { name: key.name, prefix: key.prefix, reason, user: `user:${user.id}` },
        },
        manager,
      );
    }
    return revoked.map((key) => key.id);
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

function userNotFound(id: string): DomainError {
  return new DomainError(AuthErrors.USER_NOT_FOUND, 'No user has that id', { id });
}
