import { inject, Injectable } from '@angular/core';
import type { AuditEvent, ExtensionSummary, VersionDetail, VersionSummary } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';
import type { Page } from '../core/pages';

/** Rows per request: a screenful or two, so a registry of any size costs one small request per page. */
export const PAGE_SIZE = 50;

/** The registry (`/api/extensions`) and the audit log (`/api/audit`). */
@Injectable({ providedIn: 'root' })
export class RegistryService {
  private readonly api = inject(ApiHttp);

  /** One page of the registry; the server searches (`q`, `publisher`), so no page holds more than it shows. */
  extensions(filter: { q?: string; publisher?: string }, cursor?: string): Promise<Page<ExtensionSummary>> {
    return this.api.get('/api/extensions', {
      query: {
        limit: PAGE_SIZE,
        ...(filter.q ? { q: filter.q } : {}),
        ...(filter.publisher ? { publisher: filter.publisher } : {}),
        ...(cursor ? { cursor } : {}),
      },
    });
  }

  getExtension(name: string): Promise<ExtensionSummary> {
    return this.api.get('/api/extensions/{name}', { path: { name } });
  }

  versions(name: string, cursor?: string): Promise<Page<VersionSummary>> {
    return this.api.get('/api/extensions/{name}/versions', {
      path: { name },
      query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) },
    });
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

  /** A page of the events whose subject starts with `subjectPrefix`, newest first as the API lists them. */
  audit(subjectPrefix: string, cursor?: string): Promise<Page<AuditEvent>> {
    return this.api.get('/api/audit', {
      query: { subject: subjectPrefix, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) },
    });
  }
}
