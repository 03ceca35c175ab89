import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import { TenantEntity } from '../identity/tenant.entity.js';
import { InstallEntity, InstallSecretEntity } from './install.entities.js';
import type { SealedSecret } from './secret-crypto.js';

/** The fields of an install a change may set; every change also bumps `config_version`. */
export type InstallChange = Partial<
  Pick<InstallEntity, 'versionId' | 'enabled' | 'capabilities' | 'egress' | 'config'>
>;

export interface SecretName {
  installId: string;
  name: string;
  updatedAt: Date;
}

/** The only place that queries `installs` and `install_secrets`. */
@Injectable()
export class InstallsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  tenantExists(tenantId: string): Promise<boolean> {
    return this.dataSource.getRepository(TenantEntity).existsBy({ id: tenantId });
  }

  isInstalled(tenantId: string, extensionId: string): Promise<boolean> {
    return this.dataSource.getRepository(InstallEntity).existsBy({ tenantId, extensionId });
  }

  /** Inserts the install unless the tenant already has this extension (then null). */
  async insertUnlessInstalled(
    values: Omit<InstallEntity, 'id' | 'createdAt' | 'updatedAt' | 'configVersion' | 'extension' | 'version'>,
    manager: EntityManager,
  ): Promise<string | null> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(InstallEntity)
      .values(asQueryValues(values))
      .orIgnore()
      .returning(['id'])
      .execute();
    const rows = result.raw as { id: string }[];
    return rows[0]?.id ?? null;
  }

  /** The install with its extension and version, for views and decisions. */
  findWithVersion(id: string, manager: EntityManager = this.dataSource.manager): Promise<InstallEntity | null> {
    return manager
      .getRepository(InstallEntity)
      .findOne({ where: { id }, relations: { extension: true, version: true } });
  }

  /**
   * Locks the install row until the transaction ends, so concurrent changes apply one after the other and
   * each sees the previous one (and bumps `config_version` from it). Relations are read after the lock:
   * PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins TypeORM would use.
   */
  async lock(id: string, manager: EntityManager): Promise<InstallEntity | null> {
    const locked = await manager
      .getRepository(InstallEntity)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.id = :id', { id })
      .getOne();
    return locked ? this.findWithVersion(id, manager) : null;
  }

  /** Installs with extension and version, by tenant then extension name; every tenant when none is given. */
  list(
    filter: { tenantId?: string; appsOnly?: boolean; extensionNames?: string[] },
    page: { limit: number; after?: { tenantId: string; extensionName: string } },
  ): Promise<InstallEntity[]> {
    const query = this.dataSource
      .getRepository(InstallEntity)
      .createQueryBuilder('i')
      .innerJoinAndSelect('i.extension', 'e')
      .innerJoinAndSelect('i.version', 'v')
      .orderBy('i.tenant_id')
      .addOrderBy('e.name')
      .limit(page.limit);
    if (filter.tenantId !== undefined) query.andWhere('i.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.appsOnly) query.andWhere('i.enabled AND v.ui IS NOT NULL');
    if (filter.extensionNames)
      query.andWhere('e.name IN (:...extensionNames)', { extensionNames: filter.extensionNames });
    if (page.after) query.andWhere('(i.tenant_id, e.name) > (:tenantId::uuid, :extensionName)', page.after);
    return query.getMany();
  }

  /** The gateway's lookup: one query through the unique (tenant_id, extension_id) index. */
  findForGateway(tenantId: string, extensionName: string): Promise<InstallEntity | null> {
    return this.dataSource
      .getRepository(InstallEntity)
      .createQueryBuilder('i')
      .innerJoinAndSelect('i.extension', 'e')
      .innerJoinAndSelect('i.version', 'v')
      .where('i.tenant_id = :tenantId', { tenantId })
      .andWhere('e.name = :extensionName', { extensionName })
      .getOne();
  }

  async update(id: string, change: InstallChange, manager: EntityManager): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(InstallEntity)
      .set({ ...asQueryValues(change), configVersion: () => 'config_version + 1', updatedAt: () => 'now()' })
      .where('id = :id', { id })
      .execute();
  }

  /** For changes held outside the row (secrets): the Runner must still see a new config version. */
  async bumpConfigVersion(id: string, manager: EntityManager): Promise<void> {
    await this.update(id, {}, manager);
  }

  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(InstallEntity).delete({ id });
  }

  /** Names and times only: views never load sealed values. */
  async secretNames(installIds: string[], manager: EntityManager = this.dataSource.manager): Promise<SecretName[]> {
    if (installIds.length === 0) return [];
    return manager
      .getRepository(InstallSecretEntity)
      .createQueryBuilder('s')
      .select(['s.installId', 's.name', 's.updatedAt'])
      .where('s.install_id IN (:...installIds)', { installIds })
      .orderBy('s.name')
      .getMany();
  }

  secrets(installId: string): Promise<InstallSecretEntity[]> {
    return this.dataSource.getRepository(InstallSecretEntity).find({ where: { installId }, order: { name: 'ASC' } });
  }

  async upsertSecret(installId: string, name: string, sealed: SealedSecret, manager: EntityManager): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(InstallSecretEntity)
      .values({ installId, name, ...sealed, updatedAt: () => 'now()' })
      .orUpdate(['ciphertext', 'iv', 'tag', 'key_id', 'updated_at'], ['install_id', 'name'])
      .execute();
  }

  /** Whether a secret was there to delete. */
  async deleteSecret(installId: string, name: string, manager: EntityManager): Promise<boolean> {
    const result = await manager.getRepository(InstallSecretEntity).delete({ installId, name });
    return (result.affected ?? 0) > 0;
  }

  /** A page of secrets not sealed under `currentKeyId`, after the (installId, name) cursor. */
  secretsToReseal(
    currentKeyId: string,
    after: { installId: string; name: string } | undefined,
    limit: number,
  ): Promise<InstallSecretEntity[]> {
    const query = this.dataSource
      .getRepository(InstallSecretEntity)
      .createQueryBuilder('s')
      .where('s.key_id <> :currentKeyId', { currentKeyId })
      .orderBy('s.install_id')
      .addOrderBy('s.name')
      .limit(limit);
    if (after) query.andWhere('(s.install_id, s.name) > (:installId, :name)', after);
    return query.getMany();
  }

  /**
   * Replaces a sealed value only if it is still sealed under `previousKeyId`: a secret set meanwhile (under
   * the newest key) is left alone. `updated_at` stays, as the value did not change. Whether it was replaced.
   */
  async resealSecret(
    secret: { installId: string; name: string; previousKeyId: string },
    sealed: SealedSecret,
  ): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(InstallSecretEntity)
      .set(sealed)
      .where('install_id = :installId AND name = :name AND key_id = :previousKeyId', secret)
      .execute();
    return (result.affected ?? 0) > 0;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}

/**
 * TypeORM's partial-entity type recurses into jsonb columns and cannot take `Record<string, unknown>`; the
 * values are plain JSON, which the driver stores as given.
 */
function asQueryValues(values: Partial<InstallEntity>): QueryDeepPartialEntity<InstallEntity> {
  return values as QueryDeepPartialEntity<InstallEntity>;
}
