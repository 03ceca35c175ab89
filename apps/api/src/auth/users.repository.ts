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

  findById(id: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
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

  async platformAdminExists(): Promise<boolean> {
    return this.dataSource.getRepository(UserEntity).existsBy({ role: 'platform-admin', tenantId: IsNull() });
  }
}
