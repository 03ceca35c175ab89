import { Injectable } from '@nestjs/common';
import { DEFAULT_PAGE_LIMIT, decodeCursor, decodeTimeCursor, DomainError, pageOf } from '@extplat/server-core';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../access/principal.js';
import {
  type ExtensionPageDto,
  type ExtensionSummaryDto,
  toVersionDetail,
  toVersionSummary,
  type VersionDetailDto,
  type VersionPageDto,
} from './registry.dto.js';
import type { ExtensionEntity, ExtensionVersionEntity } from './registry.entities.js';
import { RegistryErrors } from './registry.errors.js';
import { RegistryRepository, type ExtensionSummaryRow } from './registry.repository.js';

@Injectable()
export class RegistryService {
  constructor(
    private readonly repository: RegistryRepository,
    private readonly audit: AuditService,
  ) {}

  async listExtensions(filter: {
    q?: string;
    publisher?: string;
    limit?: number;
    cursor?: string;
  }): Promise<ExtensionPageDto> {
    const limit = filter.limit ?? DEFAULT_PAGE_LIMIT;
    const rows = await this.repository.listExtensions({
      query: filter.q,
      publisher: filter.publisher,
      limit: limit + 1,
      after: filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, 1)[0],
    });
    return pageOf(rows, limit, (row) => [row.extension.name], toExtensionSummary);
  }

  async getExtension(name: string): Promise<ExtensionSummaryDto> {
    const [row] = await this.repository.summarize([await this.requireExtension(name)]);
    if (!row) throw new DomainError(RegistryErrors.EXTENSION_NOT_FOUND, `No extension named ${name}`, { name });
    return toExtensionSummary(row);
  }

  async listVersions(name: string, filter: { limit?: number; cursor?: string }): Promise<VersionPageDto> {
    const extension = await this.requireExtension(name);
    const limit = filter.limit ?? DEFAULT_PAGE_LIMIT;
    const before = filter.cursor === undefined ? undefined : decodeTimeCursor(filter.cursor, 'uuid');
    const versions = await this.repository.listVersions(extension.id, limit + 1, before);
    return pageOf(versions, limit, (version) => [version.publishedAt.toISOString(), version.id], toVersionSummary);
  }

  async getVersion(name: string, version: string): Promise<VersionDetailDto> {
    const extension = await this.requireExtension(name);
    const row = await this.repository.findVersion(extension.id, version);
    if (!row)
      throw new DomainError(RegistryErrors.VERSION_NOT_FOUND, `${name} has no version ${version}`, { name, version });
    return toVersionDetail(extension, row);
  }

  /** Yanked versions stay readable and installed ones keep running, but no new install may pick them. */
  async setYanked(
    principal: Principal,
    name: string,
    version: string,
    yanked: boolean,
    reason?: string,
  ): Promise<VersionDetailDto> {
    const extension = await this.requireExtension(name);
    const row = await this.repository.findVersion(extension.id, version);
    if (!row)
      throw new DomainError(RegistryErrors.VERSION_NOT_FOUND, `${name} has no version ${version}`, { name, version });
    await this.repository.transaction(async (manager) => {
      await this.repository.setVersionStatus(row.id, yanked ? 'yanked' : 'published', reason ?? null, manager);
      await this.audit.record(
        {
          type: yanked ? 'version.yank' : 'version.unyank',
          actor: principal,
          subject: `extension:${name}@${version}`,
          outcome: 'success',
          data: { contentHash: row.contentHash, ...(reason ? { reason } : {}) },
        },
        manager,
      );
    });
    return this.getVersion(name, version);
  }

  /** For modules that refer to extensions and versions (installs); null when there is none. */
  findExtensionByName(name: string): Promise<ExtensionEntity | null> {
    return this.repository.findExtensionByName(name);
  }

  findVersion(extensionId: string, version: string): Promise<ExtensionVersionEntity | null> {
    return this.repository.findVersion(extensionId, version);
  }

  private async requireExtension(name: string): Promise<ExtensionEntity> {
    const extension = await this.repository.findExtensionByName(name);
    if (!extension) throw new DomainError(RegistryErrors.EXTENSION_NOT_FOUND, `No extension named ${name}`, { name });
    return extension;
  }
}

function toExtensionSummary({ extension, latest, versionCount }: ExtensionSummaryRow): ExtensionSummaryDto {
  return {
    id: extension.id,
    name: extension.name,
    publisher: extension.publisher,
    displayName: extension.displayName,
    description: extension.description,
    latestVersion: latest ? toVersionSummary(latest) : null,
    versionCount,
  };
}
