import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@extplat/server-core';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ApiConfig, SecretsKey } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';
import type { InstallSecretEntity } from './install.entities.js';
import { InstallErrors } from './installs.errors.js';
import { InstallsRepository } from './installs.repository.js';
import { openSecret, sealSecret } from './secret-crypto.js';

export interface ReencryptReport {
  /** The key every secret is now sealed under. */
  keyId: string;
  reencrypted: number;
  /** Secrets under a key id no longer configured: they cannot be opened, so they were left as they are. */
  unknownKey: { installId: string; name: string; keyId: string }[];
}

const RESEAL_PAGE = 200;

/**
 * Sealing and opening install secrets with EXT_SECRETS_KEY: the newest key seals, any configured key opens
 * what it sealed, and {@link reencryptAll} moves everything onto the newest key so older ones can be retired.
 * Values never leave this service except to the gateway's resolution; nothing here logs them.
 */
@Injectable()
export class InstallSecretsService {
  private readonly logger = new Logger('InstallSecrets');

  constructor(
    private readonly repository: InstallsRepository,
    @Inject(API_CONFIG) private readonly config: Pick<ApiConfig, 'secretsKeys'>,
    private readonly audit: AuditService,
  ) {
    if (config.secretsKeys.length === 0) throw new Error('EXT_SECRETS_KEY holds no key');
  }

  /** Seals and stores a value under the newest key, within the caller's transaction. */
  async store(installId: string, name: string, value: string, manager: EntityManager): Promise<void> {
    await this.repository.upsertSecret(
      installId,
      name,
      sealSecret(this.newestKey, { installId, name }, value),
      manager,
    );
  }

  /** Every secret of an install, opened. */
  async openAll(installId: string): Promise<Record<string, string>> {
    const secrets: Record<string, string> = {};
    for (const secret of await this.repository.secrets(installId)) {
      secrets[secret.name] = this.open(secret);
    }
    return secrets;
  }

  /**
   * Re-seals every secret that is not under the newest key, page by page, each row on its own (a secret
   * set meanwhile is already under the newest key and stays untouched). Values and `updated_at` do not
   * change, so `config_version` does not either. Secrets under a key that is no longer configured are
   * reported, not fatal, so one lost key does not block rotating the rest.
   */
  async reencryptAll(): Promise<ReencryptReport> {
    const keyId = this.newestKey.id;
    const report: ReencryptReport = { keyId, reencrypted: 0, unknownKey: [] };
    let after: { installId: string; name: string } | undefined;
    for (;;) {
      const page = await this.repository.secretsToReseal(keyId, after, RESEAL_PAGE);
      for (const secret of page) {
        const binding = { installId: secret.installId, name: secret.name };
        if (!this.config.secretsKeys.some((key) => key.id === secret.keyId)) {
          report.unknownKey.push({ ...binding, keyId: secret.keyId });
          continue;
        }
        const resealed = sealSecret(this.newestKey, binding, this.open(secret));
        if (await this.repository.resealSecret({ ...binding, previousKeyId: secret.keyId }, resealed)) {
          report.reencrypted += 1;
        }
      }
      const last = page.at(-1);
      if (!last || page.length < RESEAL_PAGE) break;
      after = { installId: last.installId, name: last.name };
    }
    await this.audit.record({
      type: 'install.secrets-reencrypt',
      actor: null,
      tenantId: null,
      subject: `secrets-key:${keyId}`,
      outcome: report.unknownKey.length === 0 ? 'success' : 'failure',
      data: { keyId, reencrypted: report.reencrypted, unknownKey: report.unknownKey.length },
    });
    this.logger.log({ msg: 'install secrets re-encrypted', keyId, reencrypted: report.reencrypted });
    return report;
  }

  private open(secret: InstallSecretEntity): string {
    return openSecret(this.config.secretsKeys, { installId: secret.installId, name: secret.name }, secret);
  }

  private get newestKey(): SecretsKey {
    const key = this.config.secretsKeys[0];
    if (!key) throw new DomainError(InstallErrors.SECRETS_KEY_UNKNOWN, 'EXT_SECRETS_KEY holds no key');
    return key;
  }
}
