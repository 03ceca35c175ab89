import { Inject, Injectable, Logger } from '@nestjs/common';
import { BUNDLE_STORE } from '@extplat/server-core';
import { type BundleStore, KeyPolicy, type ObjectInfo } from '@extplat/storage';
import { AuditService } from '../audit/audit.service.js';
import { GC_OPTIONS, type GcOptions } from './gc-options.js';
import { type ExpirableSession, GcRepository } from './gc.repository.js';
import { assertStagingKey, StagingGuardError } from './staging-guard.js';

export interface GcSweepOptions {
  /** Report what would be done, and change nothing. */
  dryRun: boolean;
  /** The sweep's idea of the current time (tests move it forward). */
  now?: Date;
  graceSeconds?: number;
}

export interface GcNote {
  /** `upload:<id>` or an object key. */
  target: string;
  reason: string;
}

export interface GcReport {
  dryRun: boolean;
  /** Sessions marked `expired` (or that would be, in a dry run). */
  expiredSessions: string[];
  /** Multipart uploads of those sessions aborted. */
  abortedMultipart: number;
  /** Objects deleted under those sessions' staging prefixes. */
  deletedStagingObjects: string[];
  /** Staging objects deleted because no live session owns them. */
  orphanedStagingObjects: string[];
  /** Looked at and deliberately left alone: too young, or not in the staging layout. */
  skipped: GcNote[];
  /** Could not be swept this time (left unchanged, tried again next sweep). */
  failures: GcNote[];
}

/** States whose staging objects nobody will read again. */
const FINISHED_STATES = new Set(['completed', 'aborted', 'expired']);
/** Staging objects classified per database round trip. */
const ORPHAN_BATCH = 500;

/**
 * Garbage collection of the upload area (ARCHITECTURE §4): expires abandoned upload sessions (aborting their
 * multipart upload and deleting their staging objects) and deletes staging objects that no live session
 * owns. Only staging keys are ever touched ({@link assertStagingKey}); published canonical objects never,
 * nor the Runners' precompiled artifacts, which sit under the same `sha256/<hex>/` prefix as their bundle
 * (`KeyPolicy.bundlePrefix`): whatever removes a bundle by that prefix removes its artifacts with it, so
 * none can be left orphaned.
 *
 * Objects of an orphaned multipart upload that never completed are invisible to object listings; a bucket
 * lifecycle rule (AbortIncompleteMultipartUpload) is the backstop for uploads without a session row.
 */
@Injectable()
export class GcService {
  private readonly logger = new Logger('Gc');

  constructor(
    private readonly repository: GcRepository,
    @Inject(BUNDLE_STORE) private readonly store: BundleStore,
    private readonly keys: KeyPolicy,
    private readonly audit: AuditService,
    @Inject(GC_OPTIONS) private readonly options: GcOptions,
  ) {}

  async sweep(options: GcSweepOptions): Promise<GcReport> {
    const now = options.now ?? new Date();
    const graceSeconds = options.graceSeconds ?? this.options.graceSeconds;
    const report: GcReport = {
      dryRun: options.dryRun,
      expiredSessions: [],
      abortedMultipart: 0,
      deletedStagingObjects: [],
      orphanedStagingObjects: [],
      skipped: [],
      failures: [],
    };
    if (options.dryRun) await this.previewExpiry(report, now, graceSeconds);
    else await this.expireSessions(report, now, graceSeconds);
    await this.removeOrphans(report, now, graceSeconds);
    if (report.expiredSessions.length + report.orphanedStagingObjects.length + report.failures.length > 0) {
      this.logger.log({
        msg: options.dryRun ? 'GC dry run' : 'GC sweep',
        expiredSessions: report.expiredSessions.length,
        abortedMultipart: report.abortedMultipart,
        deletedStagingObjects: report.deletedStagingObjects.length,
        orphanedStagingObjects: report.orphanedStagingObjects.length,
        failures: report.failures,
      });
    }
    return report;
  }

  /**
   * One transaction per session: the row stays locked while its storage is cleaned, then turns `expired`
   * together with its audit event. A failure rolls back that session only; it is retried next sweep.
   */
  private async expireSessions(report: GcReport, now: Date, graceSeconds: number): Promise<void> {
    const attempted: string[] = [];
    while (attempted.length < this.options.maxSessionsPerSweep) {
      const claim: { session?: ExpirableSession } = {};
      try {
        const cleaned = await this.repository.transaction(async (manager) => {
          const session = await this.repository.claimExpired(manager, { now, graceSeconds, excludeIds: attempted });
          if (!session) return null;
          claim.session = session;
          attempted.push(session.id);
          const result = await this.cleanSession(session, false);
          await this.repository.markExpired(manager, session.id);
          await this.audit.record(
            {
              type: 'upload.expire',
              actor: null,
              tenantId: null,
              subject: `upload:${session.id}`,
              outcome: 'success',
              data: {
                previousState: session.state,
                expiresAt: session.expiresAt.toISOString(),
                stagingKey: session.stagingKey,
                abortedMultipart: result.aborted,
                deletedObjects: result.deleted.length,
              },
            },
            manager,
          );
          return result;
        });
        if (!cleaned || !claim.session) return;
        report.expiredSessions.push(claim.session.id);
        if (cleaned.aborted) report.abortedMultipart += 1;
        report.deletedStagingObjects.push(...cleaned.deleted);
      } catch (error) {
        // Without a claimed session the sweep itself cannot run (database down, table missing): give up.
        if (!claim.session) throw error;
        this.noteFailure(report, `upload:${claim.session.id}`, error);
      }
    }
  }

  private async previewExpiry(report: GcReport, now: Date, graceSeconds: number): Promise<void> {
    const sessions = await this.repository.findExpired(
      { now, graceSeconds, excludeIds: [] },
      this.options.maxSessionsPerSweep,
    );
    for (const session of sessions) {
      try {
        const result = await this.cleanSession(session, true);
        report.expiredSessions.push(session.id);
        if (result.aborted) report.abortedMultipart += 1;
        report.deletedStagingObjects.push(...result.deleted);
      } catch (error) {
        this.noteFailure(report, `upload:${session.id}`, error);
      }
    }
  }

  /** Aborts the session's multipart upload and deletes everything under its staging prefix. */
  private async cleanSession(
    session: ExpirableSession,
    dryRun: boolean,
  ): Promise<{ aborted: boolean; deleted: string[] }> {
    if (session.stagingKey === null) return { aborted: false, deleted: [] };
    const { uploadId } = assertStagingKey(this.keys, session.stagingKey);
    let aborted = false;
    if (session.s3UploadId) {
      if (!dryRun) await this.store.abortMultipartUpload(session.stagingKey, session.s3UploadId);
      aborted = true;
    }
    const keys: string[] = [];
    for await (const object of this.store.list(this.keys.stagingPrefix(uploadId))) keys.push(object.key);
    if (!dryRun) for (const key of keys) await this.deleteStagingObject(key);
    return { aborted, deleted: keys };
  }

  /** Streams the staging area in batches, so memory stays bounded whatever its size. */
  private async removeOrphans(report: GcReport, now: Date, graceSeconds: number): Promise<void> {
    const alreadyDeleted = new Set(report.dryRun ? [] : report.deletedStagingObjects);
    let batch: ObjectInfo[] = [];
    for await (const object of this.store.list(this.keys.stagingBase)) {
      if (alreadyDeleted.has(object.key)) continue;
      batch.push(object);
      if (batch.length >= ORPHAN_BATCH) {
        await this.removeOrphanBatch(batch, report, now, graceSeconds);
        batch = [];
      }
    }
    if (batch.length > 0) await this.removeOrphanBatch(batch, report, now, graceSeconds);
  }

  private async removeOrphanBatch(
    objects: readonly ObjectInfo[],
    report: GcReport,
    now: Date,
    graceSeconds: number,
  ): Promise<void> {
    const uploadIdOf = new Map<string, string>();
    for (const object of objects) {
      const parsed = this.keys.parse(object.key);
      if (parsed?.kind === 'staging') uploadIdOf.set(object.key, parsed.uploadId);
      else report.skipped.push({ target: object.key, reason: 'not in the staging layout <uploadId>/<file>' });
    }
    const live = await this.liveUploadIds([...new Set(uploadIdOf.values())]);
    const cutoff = now.getTime() - graceSeconds * 1000;
    for (const object of objects) {
      const uploadId = uploadIdOf.get(object.key);
      if (uploadId === undefined || live.has(uploadId.toLowerCase())) continue;
      if (object.lastModified.getTime() >= cutoff) {
        report.skipped.push({ target: object.key, reason: 'unowned but younger than the grace window' });
        continue;
      }
      if (!report.dryRun) {
        try {
          await this.deleteStagingObject(object.key);
        } catch (error) {
          this.noteFailure(report, object.key, error);
          continue;
        }
      }
      report.orphanedStagingObjects.push(object.key);
    }
  }

  /** Upload ids (lowercased) whose session may still read its staging objects. */
  private async liveUploadIds(uploadIds: readonly string[]): Promise<Set<string>> {
    const live = new Set<string>();
    for (const owner of await this.repository.stagingOwners(uploadIds, this.keys.stagingBase)) {
      if (FINISHED_STATES.has(owner.state)) continue;
      live.add(owner.id.toLowerCase());
      const parsed = owner.stagingKey === null ? null : this.keys.parse(owner.stagingKey);
      if (parsed?.kind === 'staging') live.add(parsed.uploadId.toLowerCase());
    }
    return live;
  }

  /** The only way the sweeper deletes: through the staging guard. */
  private async deleteStagingObject(key: string): Promise<void> {
    assertStagingKey(this.keys, key);
    await this.store.delete(key);
  }

  private noteFailure(report: GcReport, target: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    report.failures.push({ target, reason });
    if (error instanceof StagingGuardError)
      this.logger.error({ msg: 'GC refused a key outside staging', target, reason });
    else this.logger.warn({ msg: 'GC could not sweep', target, reason });
  }
}
