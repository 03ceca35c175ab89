import { inject, Injectable } from '@angular/core';
import type { CreateInstallRequest, Grant, Install, SwitchVersionResponse, VersionDiff } from '@extplat/api-client';
import { ApiHttp } from '../core/api-http';
import type { Page } from '../core/pages';

/** The most apps the header menu lists; past it, the menu links to the extension list. */
export const APPS_MENU_LIMIT = 20;

/** A tenant's installs (`/api/installs`). */
@Injectable({ providedIn: 'root' })
export class InstallsService {
  private readonly api = inject(ApiHttp);

  /**
   * The installs of these extensions (at most one each) in the principal's tenant; platform admins name the
   * tenant. One bounded request however many installs the tenant has.
   */
  async forExtensions(names: readonly string[], tenantId?: string | null): Promise<Install[]> {
    if (names.length === 0) return [];
    const page = await this.api.get('/api/installs', {
      query: { extensions: names.join(','), limit: names.length, ...(tenantId ? { tenantId } : {}) },
    });
    return page.items;
  }

  /** The first page of the principal's tenant's apps: enabled installs with a UI, by extension name. */
  apps(): Promise<Page<Install>> {
    return this.api.get('/api/installs', { query: { only: 'apps', limit: APPS_MENU_LIMIT } });
  }

  get(installId: string): Promise<Install> {
    return this.api.get('/api/installs/{installId}', { path: { installId } });
  }

  create(request: CreateInstallRequest): Promise<Install> {
    return this.api.post('/api/installs', { body: request });
  }

  /** Sets an explicit state (not a toggle): repeating it changes nothing. */
  setEnabled(installId: string, enabled: boolean): Promise<Install> {
    return this.api.put('/api/installs/{installId}/state', { path: { installId }, body: { enabled } });
  }

  versionDiff(installId: string, version: string): Promise<VersionDiff> {
    return this.api.get('/api/installs/{installId}/version-diff', { path: { installId }, query: { version } });
  }

  switchVersion(installId: string, version: string, grant?: Grant): Promise<SwitchVersionResponse> {
    return this.api.put('/api/installs/{installId}/version', {
      path: { installId },
      body: { version, ...(grant ? { grant } : {}) },
    });
  }

  updateConfig(installId: string, config: Record<string, unknown>): Promise<Install> {
    return this.api.put('/api/installs/{installId}/config', { path: { installId }, body: { config } });
  }

  async setSecret(installId: string, name: string, value: string): Promise<void> {
    await this.api.put('/api/installs/{installId}/secrets/{name}', { path: { installId, name }, body: { value } });
  }

  async deleteSecret(installId: string, name: string): Promise<void> {
    await this.api.delete('/api/installs/{installId}/secrets/{name}', { path: { installId, name } });
  }

  async uninstall(installId: string): Promise<void> {
    await this.api.delete('/api/installs/{installId}', { path: { installId } });
  }
}
