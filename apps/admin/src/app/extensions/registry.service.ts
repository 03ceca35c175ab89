import { inject, Injectable } from '@angular/core';
import { HttpClient, HttpParams } from '@angular/common/http';
import { firstValueFrom } from 'rxjs';
import type { AuditEvent, ExtensionSummary, Page, VersionDetail, VersionSummary } from '../core/api.types';

/** The registry (`/api/extensions`) and the audit log (`/api/audit`). */
@Injectable({ providedIn: 'root' })
export class RegistryService {
  private readonly http = inject(HttpClient);

  async listExtensions(filter: { q?: string; publisher?: string } = {}): Promise<ExtensionSummary[]> {
    const items: ExtensionSummary[] = [];
    let cursor: string | null | undefined;
    do {
      let params = new HttpParams().set('limit', 100);
      if (filter.q) params = params.set('q', filter.q);
      if (filter.publisher) params = params.set('publisher', filter.publisher);
      if (cursor) params = params.set('cursor', cursor);
      const page = await firstValueFrom(this.http.get<Page<ExtensionSummary>>('/api/extensions', { params }));
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < 1000);
    return items;
  }

  getExtension(name: string): Promise<ExtensionSummary> {
    return firstValueFrom(this.http.get<ExtensionSummary>(`/api/extensions/${encodeURIComponent(name)}`));
  }

  async listVersions(name: string): Promise<VersionSummary[]> {
    const page = await firstValueFrom(
      this.http.get<Page<VersionSummary>>(`/api/extensions/${encodeURIComponent(name)}/versions`, {
        params: { limit: 100 },
      }),
    );
    return page.items;
  }

  getVersion(name: string, version: string): Promise<VersionDetail> {
    return firstValueFrom(
      this.http.get<VersionDetail>(
        `/api/extensions/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`,
      ),
    );
  }

  yank(name: string, version: string, reason: string): Promise<VersionDetail> {
    return firstValueFrom(
      this.http.post<VersionDetail>(
        `/api/extensions/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/yank`,
        reason ? { reason } : {},
      ),
    );
  }

  unyank(name: string, version: string): Promise<VersionDetail> {
    return firstValueFrom(
      this.http.post<VersionDetail>(
        `/api/extensions/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/unyank`,
        {},
      ),
    );
  }

  /** Events whose subject starts with `subjectPrefix`, newest first as the API lists them. */
  async audit(subjectPrefix: string, limit = 50): Promise<AuditEvent[]> {
    const page = await firstValueFrom(
      this.http.get<Page<AuditEvent>>('/api/audit', { params: { subject: subjectPrefix, limit } }),
    );
    return page.items;
  }
}
