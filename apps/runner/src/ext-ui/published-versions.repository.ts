import { Injectable } from '@nestjs/common';
import type { ContentHash } from '@extplat/contracts';
import { DataSource } from 'typeorm';

/**
 * Read-only view of the registry. The Runner has no entities and never migrates (the API owns the
 * schema), so this is one parameterised query on the API's tables.
 */
@Injectable()
export class PublishedVersionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** True when `contentHash` is a published (not yanked) version of the extension named `extensionId`. */
  async isPublished(extensionId: string, contentHash: ContentHash): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1
         FROM extension_versions v
         JOIN extensions e ON e.id = v.extension_id
        WHERE e.name = $1 AND v.content_hash = $2 AND v.status = 'published'
        LIMIT 1`,
      [extensionId, contentHash],
    );
    return rows.length > 0;
  }

  /** When the API registered `contentHash` (whatever its status now), or undefined when it never did. */
  async registeredAt(contentHash: ContentHash): Promise<Date | undefined> {
    const rows: { published_at: Date }[] = await this.dataSource.query(
      'SELECT published_at FROM extension_versions WHERE content_hash = $1 LIMIT 1',
      [contentHash],
    );
    return rows[0]?.published_at;
  }
}
