import { inject, Injectable } from '@angular/core';
import type { AuditEvent, ExtensionSummary, VersionDetail, VersionSummary } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';

/** The registry (`/api/extensions`) and the audit log (`/api/audit`). */
@Injectable({ providedIn: 'root' })
export class RegistryService {
  private readonly api = inject(ApiHttp);

  async listExtensions(filter: { q?: string; publisher?: string } = {}): Promise<ExtensionSummary[]> {
    const items: ExtensionSummary[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await this.api.get('/api/extensions', {
        query: {
          limit: 100,
          ...(filter.q ? { q: filter.q } : {}),
          ...(filter.publisher ? { publisher: filter.publisher } : {}),
          ...(cursor ? { cursor } : {}),
        },
      });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < 1000);
    return items;
  }

  getExtension(name: string): Promise<ExtensionSummary> {
    return this.api.get('/api/extensions/{name}', { path: { name } });
  }

  async listVersions(name: string): Promise<VersionSummary[]> {
    const page = await this.api.get('/api/extensions/{name}/versions', { path: { name }, query: { limit: 100 } });
    return page.items;
  }

  getVersion(name: string, version: string): Promise<VersionDetail> {
    return this.api.get('/api/extensions/{name}/versions/{version}', { path: { name, version } });
  }

  yank(name: string, version: string, reason: string): Promise<VersionDetail> {
    return this.api.post('/api/extensions/{name}/versions/{version}/yank', {
      path: { name, version },
      body: reason ? { reason } : {},
    });
  }

  unyank(name: string, version: string): Promise<VersionDetail> {
    return this.api.post('/api/extensions/{name}/versions/{version}/unyank', { path: { name, version } });
  }

  /** Events whose subject starts with `subjectPrefix`, newest first as the API lists them. */
  async audit(subjectPrefix: string, limit = 50): Promise<AuditEvent[]> {
    const page = await this.api.get('/api/audit', { query: { subject: subjectPrefix, limit } });
    return page.items;
  }
}
