import { inject, Injectable } from '@angular/core';
import { HttpClient } from '@angular/common/http';
import { firstValueFrom } from 'rxjs';
import { allPages } from '../core/pages';
import type { CreateInstallRequest, Grant, Install, VersionDiff } from '../core/api.types';

/** A tenant's installs (`/api/installs`). */
@Injectable({ providedIn: 'root' })
export class InstallsService {
  private readonly http = inject(HttpClient);

  /** The principal's tenant's installs; platform admins name the tenant. */
  list(tenantId?: string | null): Promise<Install[]> {
    return allPages<Install>(this.http, '/api/installs', tenantId ? { tenantId } : {});
  }

  get(installId: string): Promise<Install> {
    return firstValueFrom(this.http.get<Install>(`/api/installs/${installId}`));
  }

  create(request: CreateInstallRequest): Promise<Install> {
    return firstValueFrom(this.http.post<Install>('/api/installs', request));
  }

  /** Sets an explicit state (not a toggle): repeating it changes nothing. */
  setEnabled(installId: string, enabled: boolean): Promise<Install> {
    return firstValueFrom(this.http.put<Install>(`/api/installs/${installId}/state`, { enabled }));
  }

  versionDiff(installId: string, version: string): Promise<VersionDiff> {
    return firstValueFrom(
      this.http.get<VersionDiff>(`/api/installs/${installId}/version-diff`, { params: { version } }),
    );
  }

  switchVersion(installId: string, version: string, grant?: Grant): Promise<{ install: Install; diff: VersionDiff }> {
    return firstValueFrom(
      this.http.put<{ install: Install; diff: VersionDiff }>(`/api/installs/${installId}/version`, {
        version,
        ...(grant ? { grant } : {}),
      }),
    );
  }

  updateConfig(installId: string, config: Record<string, unknown>): Promise<Install> {
    return firstValueFrom(this.http.put<Install>(`/api/installs/${installId}/config`, { config }));
  }
}
