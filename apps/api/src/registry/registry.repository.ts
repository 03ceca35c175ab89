import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { maxSemver } from '@extplat/contracts';
import { escapeLike } from '@extplat/server-core';
import { DataSource, In, type EntityManager } from 'typeorm';
import { ExtensionEntity, ExtensionVersionEntity } from './registry.entities.js';

export interface ExtensionListFilter {
  query?: string;
  publisher?: string;
  limit: number;
  /** Name of the last extension of the previous page. */
  after?: string;
}

export interface ExtensionSummaryRow {
  extension: ExtensionEntity;
  latest: ExtensionVersionEntity | null;
  versionCount: number;
}

/** The only place that queries extensions and versions. */
@Injectable()
export class RegistryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async listExtensions(filter: ExtensionListFilter): Promise<ExtensionSummaryRow[]> {
    const query = this.dataSource
      .getRepository(ExtensionEntity)
      .createQueryBuilder('e')
      .orderBy('e.name', 'ASC')
      .limit(filter.limit);
    if (filter.query) {
      query.andWhere('(e.name ILIKE :q OR e.display_name ILIKE :q OR e.description ILIKE :q)', {
        q: `%${escapeLike(filter.query)}%`,
      });
    }
    if (filter.publisher) query.andWhere('e.publisher = :publisher', { publisher: filter.publisher });
    if (filter.after) query.andWhere('e.name > :after', { after: filter.after });
    return this.summarize(await query.getMany());
  }

  /** Each extension with its latest version and its number of versions. */
  async summarize(extensions: ExtensionEntity[]): Promise<ExtensionSummaryRow[]> {
    if (extensions.length === 0) return [];
    const ids = extensions.map((extension) => extension.id);
    // The latest version is the highest by SemVer precedence among the published (not yanked) ones, else
    // among all: publication order is not version order (a 1.4.2 fix may ship after 2.0.0). SQL cannot
    // order pre-releases as SemVer does, so the light rows are ranked here by the shared comparison.
    const heads = await this.dataSource
      .getRepository(ExtensionVersionEntity)
      .createQueryBuilder('v')
      .select(['v.id', 'v.extensionId', 'v.version', 'v.status'])
      .where('v.extension_id IN (:...ids)', { ids })
      .getMany();
    const latestIds = extensions.flatMap((extension) => {
      const own = heads.filter((version) => version.extensionId === extension.id);
      const published = own.filter((version) => version.status === 'published');
      const pick = maxSemver(published.length > 0 ? published : own, (version) => version.version);
      return pick ? [pick.id] : [];
    });
    const latest =
      latestIds.length === 0
        ? []
        : await this.dataSource.getRepository(ExtensionVersionEntity).findBy({ id: In(latestIds) });
    return extensions.map((extension) => ({
      extension,
      latest: latest.find((version) => version.extensionId === extension.id) ?? null,
      versionCount: heads.filter((version) => version.extensionId === extension.id).length,
    }));
  }

  findExtensionByName(name: string): Promise<ExtensionEntity | null> {
    return this.dataSource.getRepository(ExtensionEntity).findOneBy({ name });
  }

  /**
   * The publication history (not SemVer order), newest first, after the (published_at, id) keyset `before`. The time is compared at the millisecond the
   * cursor carries (a JavaScript Date), so versions published in the same millisecond are neither repeated
   * nor skipped.
   */
  listVersions(
    extensionId: string,
    limit: number,
    before?: { at: string; tieBreak: string },
  ): Promise<ExtensionVersionEntity[]> {
    const query = this.dataSource
      .getRepository(ExtensionVersionEntity)
      .createQueryBuilder('v')
      .where('v.extension_id = :extensionId', { extensionId })
      .orderBy("date_trunc('milliseconds', v.published_at)", 'DESC')
      .addOrderBy('v.id', 'DESC')
      .limit(limit);
    if (before) {
      query.andWhere(
        "(date_trunc('milliseconds', v.published_at), v.id) < (:at::timestamptz, :tieBreak::uuid)",
        before,
      );
    }
    return query.getMany();
  }

  findVersion(extensionId: string, version: string): Promise<ExtensionVersionEntity | null> {
    return this.dataSource.getRepository(ExtensionVersionEntity).findOneBy({ extensionId, version });
  }

  findVersionByContentHash(
    contentHash: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ExtensionVersionEntity | null> {
    return manager
      .getRepository(ExtensionVersionEntity)
      .findOne({ where: { contentHash }, relations: { extension: true } });
  }

  async setVersionStatus(
    id: string,
    status: 'published' | 'yanked',
    reason: string | null,
    manager: EntityManager,
  ): Promise<void> {
    await manager.getRepository(ExtensionVersionEntity).update(
      { id },
      {
        status,
        yankedAt: status === 'yanked' ? new Date() : null,
        yankedReason: status === 'yanked' ? reason : null,
      },
    );
  }

  /** Creates the extension on its first version; refreshes its display fields on later ones. */
  async upsertExtension(
    values: { name: string; publisher: string; displayName: string | null; description: string | null },
    manager: EntityManager,
  ): Promise<ExtensionEntity> {
    await manager.query(
      `INSERT INTO extensions (name, publisher, display_name, description) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET display_name = EXCLUDED.display_name, description = EXCLUDED.description, updated_at = now()
       WHERE extensions.publisher = EXCLUDED.publisher`,
      [values.name, values.publisher, values.displayName, values.description],
    );
    const extension = await manager.getRepository(ExtensionEntity).findOneByOrFail({ name: values.name });
    return extension;
  }

  insertVersion(values: Partial<ExtensionVersionEntity>, manager: EntityManager): Promise<ExtensionVersionEntity> {
    const repository = manager.getRepository(ExtensionVersionEntity);
    return repository.save(repository.create(values));
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
