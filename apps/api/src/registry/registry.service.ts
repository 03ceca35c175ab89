import { Injectable } from '@nestjs/common';
import { DomainError } from '@extplat/server-core';
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

const DEFAULT_PAGE = 50;

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
    const limit = filter.limit ?? DEFAULT_PAGE;
    const rows = await this.repository.listExtensions({
      query: filter.q,
      publisher: filter.publisher,
      limit: limit + 1,
      after: filter.cursor === undefined ? undefined : decodeCursor(filter.cursor),
    });
    const page = rows.slice(0, limit);
    const items = page.map(toExtensionSummary);
    const last = page.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.extension.name) : null };
  }

  async getExtension(name: string): Promise<ExtensionSummaryDto> {
    const [row] = await this.repository.summarize([await this.requireExtension(name)]);
    if (!row) throw new DomainError(RegistryErrors.EXTENSION_NOT_FOUND, `No extension named ${name}`, { name });
    return toExtensionSummary(row);
  }

  async listVersions(name: string, filter: { limit?: number; cursor?: string }): Promise<VersionPageDto> {
    const extension = await this.requireExtension(name);
    const limit = filter.limit ?? DEFAULT_PAGE;
    const before = filter.cursor === undefined ? undefined : new Date(decodeCursor(filter.cursor));
    if (before && Number.isNaN(before.getTime()))
      throw new DomainError(RegistryErrors.INVALID_CURSOR, 'The cursor is not valid');
    const versions = await this.repository.listVersions(extension.id, limit + 1, before);
    const page = versions.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toVersionSummary),
      nextCursor: versions.length > limit && last ? encodeCursor(last.publishedAt.toISOString()) : null,
    };
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

function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
