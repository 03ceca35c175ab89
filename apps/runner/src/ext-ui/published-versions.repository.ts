import { Injectable } from '@nestjs/common';
import type { ContentHash } from '@extplat/contracts';
import { DataSource } from 'typeorm';

/**
 * The columns of the API's `runner_published_versions` view, the Runner's whole contract with the API's
 * database (ARCHITECTURE §9.6). The Runner has no entities and never migrates; it selects from this view
 * and from no table, and published-versions.int-spec.ts checks the view still has these columns.
 */
export const PUBLISHED_VERSIONS_VIEW = 'runner_published_versions';
export const PUBLISHED_VERSIONS_COLUMNS = ['extension_name', 'content_hash', 'status', 'published_at'] as const;

/** Read-only view of the registry: parameterised queries on the API's view. */
@Injectable()
export class PublishedVersionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** True when `contentHash` is a published (not yanked) version of the extension named `extensionId`. */
  async isPublished(extensionId: string, contentHash: ContentHash): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1
         FROM ${PUBLISHED_VERSIONS_VIEW}
        WHERE extension_name = $1 AND content_hash = $2 AND status = 'published'
        LIMIT 1`,
      [extensionId, contentHash],
    );
    return rows.length > 0;
  }

  /** When the API registered `contentHash` (whatever its status now), or undefined when it never did. */
  async registeredAt(contentHash: ContentHash): Promise<Date | undefined> {
    const rows: { published_at: Date }[] = await this.dataSource.query(
      `SELECT published_at FROM ${PUBLISHED_VERSIONS_VIEW} WHERE content_hash = $1 LIMIT 1`,
      [contentHash],
    );
    return rows[0]?.published_at;
  }
}
