import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BundleInspection } from '@extplat/bundle';
import { BUNDLE_STORE, DomainError } from '@extplat/server-core';
import type { SignatureVerdict } from '@extplat/signing';
import { KeyPolicy, type BundleStore } from '@extplat/storage';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../access/principal.js';
import type { AuditEventType } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import { toVersionDetail, type VersionDetailDto } from './registry.dto.js';
import type { ExtensionVersionEntity } from './registry.entities.js';
import { RegistryErrors } from './registry.errors.js';
import { RegistryRepository } from './registry.repository.js';

/** A bundle that passed inspection and signature verification, still lying where it was staged. */
export interface VerifiedBundle {
  inspection: BundleInspection;
  /** An accepted verdict. */
  verdict: SignatureVerdict;
  /** The signature document as presented, kept next to the canonical bundle. */
  signature: string | null;
  /** The staged object that was verified; it is copied inside the store, never streamed again. */
  staged: { key: string; etag: string };
}

export interface PublishRequest {
  bundle: VerifiedBundle;
  actor: Principal;
  /** Who the version is recorded as published by (`<kind>:<id>`). */
  publishedBy: string;
  /** The audit event written with the version; contentHash, size and the verdict are added to its data. */
  audit: { type: AuditEventType; data: Record<string, unknown> };
  /** The caller's own bookkeeping, run in the publishing transaction: it commits or rolls back with it. */
  within: (manager: EntityManager, version: VersionDetailDto) => Promise<void>;
}

/** `created: false`: the same content was already registered (before, or by a concurrent publish). */
export interface Publication {
  created: boolean;
  version: VersionDetailDto;
}

/**
 * The registry's one way in: canonical objects first (write-once, keyed by content hash, so a retry
 * rewrites nothing), then the extension, the version and the audit event in one transaction.
 */
@Injectable()
export class RegistryPublisher {
  private readonly logger = new Logger('Registry');

  constructor(
    @Inject(BUNDLE_STORE) private readonly store: BundleStore,
    private readonly keys: KeyPolicy,
    private readonly registry: RegistryRepository,
    private readonly audit: AuditService,
  ) {}

  /** The registered version with this content, if any. */
  async findByContentHash(contentHash: string): Promise<VersionDetailDto | null> {
    const version = await this.registry.findVersionByContentHash(contentHash);
    return version?.extension ? toVersionDetail(version.extension, version) : null;
  }

  async publish(request: PublishRequest): Promise<Publication> {
    const { inspection } = request.bundle;
    const existing = await this.findByContentHash(inspection.contentHash);
    if (existing) return { created: false, version: existing };
    await this.refuseSameVersion(inspection);
    await this.writeCanonical(request.bundle);
    return this.insert(request).catch(async (error: unknown) => {
      // Someone registered the same content between our check and our insert: that is success.
      const raced = isUniqueViolation(error) ? await this.findByContentHash(inspection.contentHash) : null;
      if (raced) return { created: false, version: raced };
      if (isUniqueViolation(error, 'extension_versions_version_key')) {
        throw new DomainError(
          RegistryErrors.VERSION_EXISTS,
          `${inspection.manifest.name} ${inspection.manifest.version} is already published`,
          {
            name: inspection.manifest.name,
            version: inspection.manifest.version,
          },
        );
      }
      throw error;
    });
  }

  private insert(request: PublishRequest): Promise<Publication> {
    const { inspection, verdict } = request.bundle;
    return this.registry.transaction(async (manager) => {
      const extension = await this.registry.upsertExtension(
        {
          name: inspection.manifest.name,
          publisher: inspection.manifest.publisher,
          displayName: inspection.manifest.displayName ?? null,
          description: inspection.manifest.description ?? null,
        },
        manager,
      );
      if (extension.publisher !== inspection.manifest.publisher) {
        throw new DomainError(
          RegistryErrors.EXTENSION_OWNED_BY_OTHER_PUBLISHER,
          `${extension.name} belongs to publisher ${extension.publisher}, not ${inspection.manifest.publisher}`,
          { name: extension.name, publisher: extension.publisher },
        );
      }
      const row = await this.registry.insertVersion(
        versionValues(extension.id, inspection, verdict, request.publishedBy),
        manager,
      );
      const version = toVersionDetail(extension, row);
      await request.within(manager, version);
      await this.audit.record(
        {
          type: request.audit.type,
          actor: request.actor,
          subject: `extension:${extension.name}@${row.version}`,
          outcome: 'success',
          data: {
            ...request.audit.data,
            contentHash: inspection.contentHash,
            size: inspection.size,
            verdict: verdictSummary(verdict),
          },
        },
        manager,
      );
      return { created: true, version };
    });
  }

  private async refuseSameVersion(inspection: BundleInspection): Promise<void> {
    const extension = await this.registry.findExtensionByName(inspection.manifest.name);
    const sameVersion = extension ? await this.registry.findVersion(extension.id, inspection.manifest.version) : null;
    if (!sameVersion) return;
    throw new DomainError(
      RegistryErrors.VERSION_EXISTS,
      `${inspection.manifest.name} ${inspection.manifest.version} is already published with other content (${sameVersion.contentHash}); bump the version`,
      { name: inspection.manifest.name, version: inspection.manifest.version, contentHash: sameVersion.contentHash },
    );
  }

  /**
   * Write-once canonical objects. The bundle is copied inside the store from the staged object that was
   * just verified (the API never streams it a second time); the copy is conditional on that object's ETag.
   * An existing canonical object is kept: its key is its content hash, so its bytes are these bytes. The
   * small manifest and signature go through a conditional create (If-None-Match: *).
   */
  private async writeCanonical({ inspection, staged, signature }: VerifiedBundle): Promise<void> {
    const bundleKey = this.keys.canonical(inspection.contentHash, 'bundle.tar.zst');
    if (!(await this.store.head(bundleKey))) {
      await this.store.copy(staged.key, bundleKey, {
        ifSourceEtag: staged.etag,
        contentType: 'application/zstd',
      });
      this.logger.log({ event: 'registry.canonical', key: bundleKey });
    }
    await this.store.createIfAbsent(
      this.keys.canonical(inspection.contentHash, 'manifest.json'),
      Buffer.from(inspection.manifestText),
      {
        contentType: 'application/json',
      },
    );
    if (signature) {
      await this.store.createIfAbsent(
        this.keys.canonical(inspection.contentHash, 'signature.json'),
        Buffer.from(signature),
        {
          contentType: 'application/json',
        },
      );
    }
  }
}

function versionValues(
  extensionId: string,
  inspection: BundleInspection,
  verdict: SignatureVerdict,
  publishedBy: string,
): Partial<ExtensionVersionEntity> {
  const { manifest } = inspection;
  return {
    extensionId,
    version: manifest.version,
    contentHash: inspection.contentHash,
    size: inspection.size,
    unpackedSize: inspection.unpackedSize,
    runtime: manifest.runtime,
    entry: manifest.entry,
    ui: manifest.ui ?? null,
    apiEndpoints: manifest.api.endpoints,
    capabilities: manifest.capabilities,
    egress: manifest.egress,
    manifest,
    configSchema: manifest.config ?? null,
    publisher: manifest.publisher,
    signatureStatus: verdict.status === 'rejected' ? 'unsigned' : verdict.status,
    signature: verdict as unknown as Record<string, unknown>,
    signer: verdict.signer?.commonName ?? null,
    signerFingerprint: verdict.signer?.fingerprint ?? null,
    status: 'published',
    publishedBy,
  };
}

function verdictSummary(verdict: SignatureVerdict): Record<string, unknown> {
  return {
    status: verdict.status,
    policy: verdict.policy,
    signer: verdict.signer?.commonName ?? null,
    checks: verdict.checks.map((check) => ({
      name: check.name,
      status: check.status,
      ...(check.code ? { code: check.code } : {}),
    })),
  };
}

function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ??
    (error as { code?: string; constraint?: string });
  return driverError.code === '23505' && (constraint === undefined || driverError.constraint === constraint);
}
