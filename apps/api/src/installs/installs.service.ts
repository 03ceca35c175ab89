import { Injectable, Logger, Optional } from '@nestjs/common';
import type { ManifestEndpoint } from '@extplat/bundle';
import { MAX_SECRET_BYTES } from '@extplat/contracts';
import { CommonErrors, DEFAULT_PAGE_LIMIT, decodeCursor, DomainError, type Page, pageOf } from '@extplat/server-core';
import type { EntityManager } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../access/principal.js';
import { canSeeTenant, resolveListScope } from '../access/tenant-scope.js';
import type { ExtensionVersionEntity } from '../registry/registry.entities.js';
import { RegistryService } from '../registry/registry.service.js';
import { mayStoreSecret, missingRequiredSecrets } from './declared-secrets.js';
import { InstallConfigValidator, sameJson } from './install-config.js';
import {
  diffVersions,
  normaliseGrant,
  type Permissions,
  resolveGrant,
  samePermissions,
  type VersionDiff,
} from './install-grants.js';
import { InstallPrewarmer } from './install-prewarm.js';
import { InstallSecretsService } from './install-secrets.service.js';
import type { InstallEntity } from './install.entities.js';
import {
  type CreatedInstallResponseDto,
  type CreateInstallDto,
  type InstallResponseDto,
  type SwitchVersionDto,
  type SwitchVersionResponseDto,
  toGrantReport,
  toInstallResponse,
} from './installs.dto.js';
import { InstallErrors } from './installs.errors.js';
import { InstallsRepository } from './installs.repository.js';

/** What the gateway needs to route a call to an install, resolved in one place. */
export interface GatewayInstall {
  installId: string;
  tenantId: string;
  /** The extension's uuid. */
  extensionId: string;
  extensionName: string;
  version: string;
  contentHash: string;
  enabled: boolean;
  endpoints: ManifestEndpoint[];
  /** Granted capabilities. */
  capabilities: string[];
  /** Granted egress origins. */
  egress: string[];
  config: unknown;
  configVersion: number;
  /** Decrypted values, only when `cap:secrets.get` is granted; otherwise empty. */
  secrets: Record<string, string>;
}

/** A version diff with what the switch leaves unset. */
export type SwitchDiff = VersionDiff & { missingSecrets: string[] };

/** Told after every committed change of an install (including uninstall), to drop cached resolutions. */
export type InstallChangeListener = (tenantId: string, extensionName: string) => void;

const SECRETS_CAPABILITY = 'cap:secrets.get';

/**
 * Installs of extensions in tenants (ARCHITECTURE §6, §7): who may install what, with which grants and
 * config, and every later change. Each change locks the install row, applies, bumps `config_version` and
 * records its audit event in one transaction; listeners hear of it after the commit.
 *
 * Tenant rule: tenant admins and members act in their own tenant only (another tenant's install is "not
 * found", as with API keys); platform admins act in any tenant and name it when installing.
 */
@Injectable()
export class InstallsService {
  private readonly logger = new Logger('Installs');
  private readonly listeners = new Set<InstallChangeListener>();
  private readonly configs = new InstallConfigValidator();

  constructor(
    private readonly repository: InstallsRepository,
    private readonly registry: RegistryService,
    private readonly secrets: InstallSecretsService,
    private readonly audit: AuditService,
    /** Absent where the service is built without a Runner to warm (tests, CLIs). */
    @Optional() private readonly prewarmer?: InstallPrewarmer,
  ) {}

  async create(principal: Principal, request: CreateInstallDto): Promise<CreatedInstallResponseDto> {
    const tenantId = this.targetTenant(principal, request.tenantId);
    if (principal.role === 'platform-admin' && !(await this.repository.tenantExists(tenantId))) {
      throw new DomainError(InstallErrors.TENANT_NOT_FOUND, 'No tenant has that id', { tenantId });
    }
    const extension = await this.registry.findExtensionByName(request.extensionId);
    if (!extension) {
      throw new DomainError(InstallErrors.EXTENSION_NOT_FOUND, `No extension named ${request.extensionId}`, {
        extensionId: request.extensionId,
      });
    }
    const version = await this.publishedVersion(extension.id, extension.name, request.version);
    if (await this.repository.isInstalled(tenantId, extension.id)) throw alreadyInstalled(extension.name, tenantId);
    const resolution = resolveGrant(requestOf(version), normaliseGrant(request.grant));
    const config = this.validConfig(version, request.config);
    const enabled = request.enabled ?? false;
    const installId = await this.repository.transaction(async (manager) => {
      const id = await this.repository.insertUnlessInstalled(
        {
          tenantId,
          extensionId: extension.id,
          versionId: version.id,
          enabled,
          capabilities: resolution.granted.capabilities,
          egress: resolution.granted.egress,
          config,
          installedBy: `${principal.kind}:${principal.id}`,
        },
        manager,
      );
      // Lost a race with a concurrent install of the same extension.
      if (id === null) throw alreadyInstalled(extension.name, tenantId);
      await this.audit.record(
        {
          type: 'install.create',
          actor: principal,
          tenantId,
          subject: `install:${id}`,
          outcome: 'success',
          data: {
            extension: extension.name,
            version: version.version,
            contentHash: version.contentHash,
            enabled,
            granted: resolution.granted,
            notGranted: resolution.notGranted,
          },
        },
        manager,
      );
      return id;
    });
    this.notify(tenantId, extension.name);
    if (enabled) this.prewarmer?.request(version.contentHash, 'install.create');
    return { ...(await this.view(installId)), grantReport: toGrantReport(resolution) };
  }

  async list(
    principal: Principal,
    query: { tenantId?: string; limit?: number; cursor?: string; only?: 'apps'; extensions?: string[] },
  ): Promise<Page<InstallResponseDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const after = query.cursor === undefined ? undefined : installKey(decodeCursor(query.cursor, 2));
    const rows = await this.repository.list(
      {
        ...resolveListScope(principal, query.tenantId),
        ...(query.only === 'apps' ? { appsOnly: true } : {}),
        ...(query.extensions ? { extensionNames: query.extensions } : {}),
      },
      { limit: limit + 1, after },
    );
    const secrets = await this.repository.secretNames(rows.slice(0, limit).map((install) => install.id));
    return pageOf(
      rows,
      limit,
      (install) => [install.tenantId, extensionOf(install).name],
      (install) => toInstallResponse(install, secrets),
    );
  }

  async get(principal: Principal, installId: string): Promise<InstallResponseDto> {
    await this.visibleInstall(principal, installId);
    return this.view(installId);
  }

  /** Puts the install in the given state; the same state again changes (and records) nothing. */
  async setEnabled(principal: Principal, installId: string, enabled: boolean): Promise<InstallResponseDto> {
    let warm: string | undefined;
    await this.change(principal, installId, async (install, manager) => {
      if (install.enabled === enabled) return false;
      if (enabled) warm = versionOf(install).contentHash;
      await this.repository.update(install.id, { enabled }, manager);
      await this.recordChange(
        principal,
        install,
        enabled ? 'install.enable' : 'install.disable',
        { version: versionOf(install).version },
        manager,
      );
      return true;
    });
    // Only after the commit: a change that rolled back warms nothing.
    if (warm) this.prewarmer?.request(warm, 'install.enable');
    return this.view(installId);
  }

  /** What switching to `version` would change, without changing anything. */
  async versionDiff(principal: Principal, installId: string, version: string): Promise<SwitchDiff> {
    const install = await this.visibleInstall(principal, installId);
    const target = await this.existingVersion(install, version);
    return this.switchDiff(install, target);
  }

  /**
   * Moves the install to another published version (upgrade or rollback). With a grant in the request, the
   * target gets what it requests within that grant. Without one the current grant carries over, and a
   * target that requests more than it is refused (APPROVAL_REQUIRED, nothing changed); either way whatever
   * the target no longer requests is dropped. The config (the request's, else the current one) must fit
   * the target's schema.
   */
  async switchVersion(
    principal: Principal,
    installId: string,
    request: SwitchVersionDto,
  ): Promise<SwitchVersionResponseDto> {
    let diff: SwitchDiff | undefined;
    let warm: string | undefined;
    await this.change(principal, installId, async (install, manager) => {
      const current = versionOf(install);
      const target =
        request.version === current.version
          ? current
          : await this.publishedVersion(install.extensionId, extensionOf(install).name, request.version);
      const changes = await this.switchDiff(install, target, manager);
      diff = changes;
      if (!request.grant && changes.requiresApproval) {
        throw new DomainError(
          InstallErrors.APPROVAL_REQUIRED,
          `${target.version} requests capabilities or egress beyond the current grant: send a grant approving them`,
          { ...changes },
        );
      }
      const granted = resolveGrant(
        requestOf(target),
        request.grant ? normaliseGrant(request.grant) : currentOf(install).granted,
      ).granted;
      const config = this.validConfig(target, request.config ?? install.config);
      const unchanged =
        target.id === install.versionId &&
        samePermissions(granted, currentOf(install).granted) &&
        sameJson(config, install.config);
      if (unchanged) return false;
      if (install.enabled && target.id !== install.versionId) warm = target.contentHash;
      await this.repository.update(
        install.id,
        { versionId: target.id, capabilities: granted.capabilities, egress: granted.egress, config },
        manager,
      );
      await this.recordChange(
        principal,
        install,
        'install.version-change',
        {
          from: changes.from,
          to: changes.to,
          direction: changes.direction,
          contentHash: target.contentHash,
          diff: { capabilities: changes.capabilities, egress: changes.egress },
          granted,
          configChanged: !sameJson(config, install.config),
        },
        manager,
      );
      return true;
    });
    if (!diff) throw new Error('version switch finished without a diff');
    if (warm) this.prewarmer?.request(warm, 'install.version-change');
    return { install: await this.view(installId), diff };
  }

  async updateConfig(
    principal: Principal,
    installId: string,
    config: Record<string, unknown>,
  ): Promise<InstallResponseDto> {
    await this.change(principal, installId, async (install, manager) => {
      const valid = this.validConfig(versionOf(install), config);
      if (sameJson(valid, install.config)) return false;
      await this.repository.update(install.id, { config: valid }, manager);
      // The keys that changed, never their values: a config may hold things worth keeping out of the log.
      await this.recordChange(
        principal,
        install,
        'install.config-update',
        { changedKeys: changedKeys(install.config, valid) },
        manager,
      );
      return true;
    });
    return this.view(installId);
  }

  async setSecret(principal: Principal, installId: string, name: string, value: string): Promise<void> {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_SECRET_BYTES) {
      throw new DomainError(CommonErrors.VALIDATION_FAILED, 'The request is not valid', {
        issues: [{ path: 'value', message: `is ${bytes} bytes as UTF-8; at most ${MAX_SECRET_BYTES} are allowed` }],
      });
    }
    await this.change(principal, installId, async (install, manager) => {
      const declared = versionOf(install).manifest.secrets;
      if (!mayStoreSecret(declared, name)) {
        throw new DomainError(
          InstallErrors.SECRET_NOT_DECLARED,
          `${versionOf(install).version} does not declare a secret named ${name}; it declares ${declaredList(declared)}`,
          { name, declared: declared?.map((secret) => secret.name) ?? [] },
        );
      }
      await this.secrets.store(install.id, name, value, manager);
      await this.repository.bumpConfigVersion(install.id, manager);
      await this.recordChange(principal, install, 'install.secret-set', { name }, manager);
      return true;
    });
  }

  async deleteSecret(principal: Principal, installId: string, name: string): Promise<void> {
    await this.change(principal, installId, async (install, manager) => {
      if (!(await this.repository.deleteSecret(install.id, name, manager))) {
        throw new DomainError(InstallErrors.SECRET_NOT_FOUND, `The install has no secret named ${name}`, { name });
      }
      await this.repository.bumpConfigVersion(install.id, manager);
      await this.recordChange(principal, install, 'install.secret-delete', { name }, manager);
      return true;
    });
  }

  /** Removes the install; its secrets go with it (ON DELETE CASCADE). */
  async uninstall(principal: Principal, installId: string): Promise<void> {
    await this.change(principal, installId, async (install, manager) => {
      await this.repository.delete(install.id, manager);
      await this.recordChange(
        principal,
        install,
        'install.uninstall',
        { version: versionOf(install).version },
        manager,
      );
      return true;
    });
  }

  /**
   * The gateway's view of the install of `extensionName` in `tenantId`, disabled or not (the gateway decides
   * what to answer), or null when the tenant has not installed it. One query, plus one for the secrets when
   * `cap:secrets.get` is granted: an extension without that capability never has its secrets opened.
   */
  async resolveForGateway(tenantId: string, extensionName: string): Promise<GatewayInstall | null> {
    const install = await this.repository.findForGateway(tenantId, extensionName);
    if (!install) return null;
    const version = versionOf(install);
    return {
      installId: install.id,
      tenantId: install.tenantId,
      extensionId: install.extensionId,
      extensionName: extensionOf(install).name,
      version: version.version,
      contentHash: version.contentHash,
      enabled: install.enabled,
      endpoints: version.apiEndpoints,
      capabilities: install.capabilities,
      egress: install.egress,
      config: install.config,
      configVersion: install.configVersion,
      secrets: install.capabilities.includes(SECRETS_CAPABILITY) ? await this.secrets.openAll(install.id) : {},
    };
  }

  /**
   * Subscribes to committed changes (in this process): created, enabled or disabled, version, grants,
   * config, secrets, uninstalled. Returns the unsubscribe function. Listeners run synchronously after the
   * commit; one that throws is logged and does not affect the change or the other listeners.
   */
  onChange(listener: InstallChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs one change on a locked, visible install; `apply` answers whether it changed anything, and only
   * then are listeners told.
   */
  private async change(
    principal: Principal,
    installId: string,
    apply: (install: InstallEntity, manager: EntityManager) => Promise<boolean>,
  ): Promise<void> {
    const { changed, tenantId, extensionName } = await this.repository.transaction(async (manager) => {
      const install = await this.repository.lock(installId, manager);
      if (!install || !canSeeTenant(principal, install.tenantId)) throw installNotFound(installId);
      return {
        changed: await apply(install, manager),
        tenantId: install.tenantId,
        extensionName: extensionOf(install).name,
      };
    });
    if (changed) this.notify(tenantId, extensionName);
  }

  /** The audit event of a change to an existing install, in the change's transaction. */
  private recordChange(
    principal: Principal,
    install: InstallEntity,
    type: AuditEventType,
    data: Record<string, unknown>,
    manager: EntityManager,
  ): Promise<void> {
    return this.audit.record(
      {
        type,
        actor: principal,
        tenantId: install.tenantId,
        subject: `install:${install.id}`,
        outcome: 'success',
        data: { extension: extensionOf(install).name, ...data },
      },
      manager,
    );
  }

  private notify(tenantId: string, extensionName: string): void {
    for (const listener of this.listeners) {
      try {
        listener(tenantId, extensionName);
      } catch (error) {
        this.logger.error({ msg: 'install change listener failed', tenantId, extensionName, err: error });
      }
    }
  }

  private async view(installId: string): Promise<InstallResponseDto> {
    const install = await this.repository.findWithVersion(installId);
    if (!install) throw installNotFound(installId);
    return toInstallResponse(install, await this.repository.secretNames([install.id]));
  }

  /**
   * The grant diff of a switch, and the secrets the target requires that the install has not set. Inside a
   * change, `manager` keeps the read on the transaction's connection instead of taking a second one.
   */
  private async switchDiff(
    install: InstallEntity,
    target: ExtensionVersionEntity,
    manager?: EntityManager,
  ): Promise<SwitchDiff> {
    const setNames = (await this.repository.secretNames([install.id], manager)).map((secret) => secret.name);
    return {
      ...diffVersions(currentOf(install), { version: target.version, requested: requestOf(target) }),
      missingSecrets: missingRequiredSecrets(target.manifest.secrets, setNames),
    };
  }

  private async visibleInstall(principal: Principal, installId: string): Promise<InstallEntity> {
    const install = await this.repository.findWithVersion(installId);
    if (!install || !canSeeTenant(principal, install.tenantId)) throw installNotFound(installId);
    return install;
  }

  /** The tenant an install goes into: the principal's own, or for platform admins the one they name. */
  private targetTenant(principal: Principal, requested: string | undefined): string {
    if (principal.role === 'platform-admin') {
      if (requested === undefined) {
        throw new DomainError(CommonErrors.VALIDATION_FAILED, 'The request is not valid', {
          issues: [{ path: 'tenantId', message: 'is required for platform admins (they belong to no tenant)' }],
        });
      }
      return requested;
    }
    if (principal.tenantId === null) throw new DomainError(CommonErrors.FORBIDDEN, 'This principal has no tenant');
    if (requested !== undefined && requested !== principal.tenantId) {
      throw new DomainError(CommonErrors.FORBIDDEN, 'Tenant admins may act only in their own tenant');
    }
    return principal.tenantId;
  }

  private async existingVersion(install: InstallEntity, version: string): Promise<ExtensionVersionEntity> {
    const found = await this.registry.findVersion(install.extensionId, version);
    if (!found) throw versionNotFound(extensionOf(install).name, version);
    return found;
  }

  /** A version new installs and switches may use: it exists and is not yanked. */
  private async publishedVersion(
    extensionId: string,
    extensionName: string,
    version: string,
  ): Promise<ExtensionVersionEntity> {
    const found = await this.registry.findVersion(extensionId, version);
    if (!found) throw versionNotFound(extensionName, version);
    if (found.status === 'yanked') {
      throw new DomainError(
        InstallErrors.VERSION_YANKED,
        `${extensionName}@${version} is yanked: choose another version`,
        {
          extension: extensionName,
          version,
          ...(found.yankedReason ? { reason: found.yankedReason } : {}),
        },
      );
    }
    return found;
  }

  private validConfig(version: ExtensionVersionEntity, config: unknown): Record<string, unknown> {
    const result = this.configs.validate(version.contentHash, version.manifest.config, config);
    if (!result.ok) {
      throw new DomainError(
        InstallErrors.INVALID_CONFIG,
        `The config does not fit the config schema of ${version.version}`,
        { issues: result.issues },
      );
    }
    return result.config;
  }
}

function declaredList(declared: { name: string }[] | undefined): string {
  if (!declared || declared.length === 0) return 'none';
  return declared.map((secret) => secret.name).join(', ');
}

function requestOf(version: ExtensionVersionEntity): Permissions {
  return { capabilities: version.capabilities, egress: version.egress };
}

function currentOf(install: InstallEntity): { version: string; granted: Permissions } {
  return {
    version: versionOf(install).version,
    granted: { capabilities: install.capabilities, egress: install.egress },
  };
}

function versionOf(install: InstallEntity): ExtensionVersionEntity {
  if (!install.version) throw new Error(`install ${install.id} loaded without its version`);
  return install.version;
}

function extensionOf(install: InstallEntity): NonNullable<InstallEntity['extension']> {
  if (!install.extension) throw new Error(`install ${install.id} loaded without its extension`);
  return install.extension;
}

/** Top-level keys added, removed or changed. */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => !sameJson(before[key], after[key])).sort();
}

function installNotFound(installId: string): DomainError {
  return new DomainError(InstallErrors.INSTALL_NOT_FOUND, 'No install has that id', { installId });
}

function alreadyInstalled(extension: string, tenantId: string): DomainError {
  return new DomainError(InstallErrors.ALREADY_INSTALLED, `${extension} is already installed in this tenant`, {
    extension,
    tenantId,
  });
}

function versionNotFound(extension: string, version: string): DomainError {
  return new DomainError(InstallErrors.VERSION_NOT_FOUND, `${extension} has no version ${version}`, {
    extension,
    version,
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An installs cursor: a tenant id and an extension name, or 400 INVALID_CURSOR. */
function installKey([tenantId, extensionName]: string[]): { tenantId: string; extensionName: string } {
  if (!tenantId || !UUID.test(tenantId) || !extensionName) {
    throw new DomainError(CommonErrors.INVALID_CURSOR, 'The cursor is not a nextCursor of this list');
  }
  return { tenantId, extensionName };
}
