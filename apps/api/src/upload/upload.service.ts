import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { inspectBundle, isBundleError, ZSTD_MAGIC, type BundleInspection } from '@extplat/bundle';
import { isPartNumber, partCountFor, partLength } from '@extplat/contracts';
import { BUNDLE_STORE, DomainError } from '@extplat/server-core';
import {
  BodyLengthError,
  isStorageError,
  KeyPolicy,
  type BundleStore,
  type ObjectInfo,
  type UploadedPart,
} from '@extplat/storage';
import type { SignatureVerdict } from '@extplat/signing';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../access/principal.js';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';
import type { VersionDetailDto } from '../registry/registry.dto.js';
import { RegistryPublisher, type VerifiedBundle } from '../registry/registry-publisher.service.js';
import { VerificationService } from '../verification/verification.service.js';
import type {
  FinalizeResponseDto,
  FinalizeUploadDto,
  InitiateUploadDto,
  InitiateUploadResponseDto,
  PresignPartsResponseDto,
  ProxyPartResponseDto,
  UploadStatusDto,
} from './upload.dto.js';
import { UploadErrors } from './upload.errors.js';
import { UploadRepository, type PartAttempt } from './upload.repository.js';
import type { UploadSessionEntity } from './upload-session.entity.js';
import { UploadSpool, type SpooledPart, type SpoolWriter } from './upload-spool.js';
import { ApiMetrics } from '../metrics/api-metrics.js';

const STAGED_BUNDLE = 'bundle.tar.zst';
/** Presigned part URLs live this long; a client resuming later asks for fresh ones. */
const PART_URL_SECONDS = 15 * 60;

/**
 * The upload pipeline of ARCHITECTURE §4: a session per upload, bytes staged under `staging/<uploadId>/`
 * (straight from the client with presigned part URLs, or streamed through the API), then one finalize
 * that verifies everything in a single streaming pass before anything becomes visible.
 */
@Injectable()
export class UploadService {
  private readonly logger = new Logger('Upload');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(BUNDLE_STORE) private readonly store: BundleStore,
    private readonly keys: KeyPolicy,
    private readonly uploads: UploadRepository,
    private readonly registry: RegistryPublisher,
    private readonly verification: VerificationService,
    private readonly audit: AuditService,
    private readonly spool: UploadSpool,
    private readonly metrics: ApiMetrics,
  ) {
    // Another API may finalize or abort an upload this one holds a copy of: the spool's sweep asks.
    this.spool.watchEndedUploads((uploadIds) => this.uploads.endedUploads(uploadIds));
  }

  async initiate(principal: Principal, request: InitiateUploadDto): Promise<InitiateUploadResponseDto> {
    const maxBytes = this.config.bundle.maxBytes;
    const partSize = this.config.upload.partSizeBytes;
    if (request.size > maxBytes) {
      throw new DomainError(
        UploadErrors.BUNDLE_TOO_LARGE,
        `The bundle is ${request.size} bytes; the limit is ${maxBytes} bytes`,
        {
          limit: maxBytes,
          size: request.size,
        },
      );
    }
    if (request.sha256) {
      const existing = await this.registry.findByContentHash(request.sha256);
      if (existing) {
        return {
          uploadId: null,
          strategy: 'exists',
          partSize,
          partCount: 0,
          expiresAt: null,
          maxBytes,
          version: existing,
        };
      }
    }
    const strategy =
      this.store.capabilities.presignedUploads && request.preferredStrategy !== 'proxy'
        ? 'presigned-multipart'
        : 'proxy';
    const id = randomUUID();
    const stagingKey = this.keys.staging(id, STAGED_BUNDLE);
    const { uploadId: s3UploadId } = await this.store.createMultipartUpload(stagingKey, {
      contentType: 'application/zstd',
    });
    const session = await this.uploads.create({
      id,
      state: 'initiated',
      strategy,
      filename: request.filename,
      declaredSize: request.size,
      declaredSha256: request.sha256 ?? null,
      partSize,
      partCount: partCountFor(request.size, partSize),
      stagingKey,
      s3UploadId,
      createdBy: actorOf(principal),
      tenantId: principal.tenantId,
      expiresAt: new Date(Date.now() + this.config.upload.sessionTtlSeconds * 1000),
    });
    await this.audit.record({
      type: 'upload.initiate',
      actor: principal,
      subject: `upload:${id}`,
      outcome: 'success',
      data: { filename: request.filename, size: request.size, strategy, partCount: session.partCount },
    });
    this.logger.log({
      event: 'upload.initiate',
      uploadId: id,
      size: request.size,
      strategy,
      partCount: session.partCount,
    });
    return {
      uploadId: id,
      strategy,
      partSize,
      partCount: session.partCount,
      expiresAt: session.expiresAt.toISOString(),
      maxBytes,
    };
  }

  /** Fresh presigned URLs for some parts; each URL only accepts a body of that part's exact size. */
  async presignParts(principal: Principal, uploadId: string, partNumbers: number[]): Promise<PresignPartsResponseDto> {
    const session = await this.openSession(uploadId);
    assertInitiator(principal, session);
    if (session.strategy !== 'presigned-multipart' || !session.s3UploadId) {
      throw new DomainError(
        UploadErrors.WRONG_STRATEGY,
        'This upload goes through the API (strategy "proxy"); PUT its parts to upload-proxy',
      );
    }
    const uploadIdInStore = session.s3UploadId;
    const parts = await Promise.all(
      [...new Set(partNumbers)]
        .sort((a, b) => a - b)
        .map(async (partNumber) => {
          const size = expectedPartSize(session, partNumber);
          const presigned = await this.store.presignUploadPart(session.stagingKey, uploadIdInStore, partNumber, {
            expiresInSeconds: PART_URL_SECONDS,
            contentLength: size,
          });
          return {
            partNumber,
            url: presigned.url,
            method: presigned.method,
            headers: presigned.headers,
            size,
            expiresAt: presigned.expiresAt.toISOString(),
          };
        }),
    );
    return { parts };
  }

  /**
   * Streams one part into the store. The API counts the bytes itself: a body longer or shorter than the
   * part must be fails, whatever Content-Length said, and the first part must start like a zstd frame.
   *
   * The checks run inside the stream the store reads, so a failure reaches the store's own pipeline (and
   * from there this method) instead of being emitted by a stream nobody listens to yet: the fs driver reads
   * its upload record before it reads the body. A refused part leaves the upload open; sending the right
   * bytes for that part afterwards succeeds.
   */
  async proxyPart(
    principal: Principal,
    uploadId: string,
    partNumber: number,
    body: Readable,
  ): Promise<ProxyPartResponseDto> {
    const session = await this.openSession(uploadId);
    assertInitiator(principal, session);
    if (!session.s3UploadId)
      throw new DomainError(UploadErrors.WRONG_STRATEGY, 'This upload has no multipart upload in the store');
    const size = expectedPartSize(session, partNumber);
    // Recorded and committed before any byte goes to the store: finalize counts on seeing every send.
    const attemptId = randomUUID();
    // The session's own id from here on: the query may spell the same UUID in capitals.
    const id = session.id;
    const earlier = await this.uploads.recordPartAttempt({
      attemptId,
      uploadId: id,
      partNumber,
      instanceId: this.spool.instanceId,
    });
    const part = { partNumber, attemptId, size };
    let spooled: SpoolWriter | undefined;
    if (session.strategy === 'proxy') {
      // A part sent again means finalize reads the store: a copy of this upload is no use any more.
      if (earlier > 0) await this.spool.discard(id, { refuseUntil: session.expiresAt });
      else spooled = await this.spool.open(id, partNumber, attemptId, size, session.expiresAt);
    }
    const counted = { bytes: 0 };
    const checked = Readable.from(copiedTo(spooled, checkedPart(body, partNumber, size, counted)));
    try {
      const { etag } = await this.store.uploadPart(session.stagingKey, session.s3UploadId, partNumber, checked, size);
      const copy = spooled ? await spooled.finish() : undefined;
      if (copy && !copy.complete) await this.spool.release(id, part);
      await this.uploads.completePartAttempt(attemptId, etag, size, copy?.complete ? copy.md5 : null);
      return { partNumber, size, etag };
    } catch (error) {
      if (spooled) {
        await spooled.finish();
        await this.spool.release(id, part);
      }
      if (error instanceof DomainError) throw error;
      // The upload was finalized or aborted while this part streamed: say so, as for a part sent after. An
      // abort deletes from the store before it marks the session, so a session still open is being aborted.
      if (isStorageError(error, 'NO_SUCH_UPLOAD')) {
        await this.openSession(id);
        throw notFound(id);
      }
      if (error instanceof BodyLengthError) {
        throw new DomainError(
          UploadErrors.PART_SIZE_MISMATCH,
          `Part ${partNumber} must be exactly ${size} bytes; ${counted.bytes} arrived`,
          {
            partNumber,
            size,
            received: counted.bytes,
          },
        );
      }
      throw error;
    } finally {
      checked.destroy();
      // Read what is left of a refused body, so the answer goes out on a connection that stays usable.
      if (!body.readableEnded) body.resume();
    }
  }

  async status(uploadId: string): Promise<UploadStatusDto> {
    const session = await this.uploads.find(uploadId);
    if (!session || session.state === 'aborted') throw notFound(uploadId);
    const parts = session.state === 'initiated' || session.state === 'finalizing' ? await this.listParts(session) : [];
    return {
      uploadId: session.id,
      state: isExpired(session) && session.state === 'initiated' ? 'expired' : session.state,
      strategy: session.strategy,
      filename: session.filename,
      size: session.declaredSize,
      partSize: session.partSize,
      partCount: session.partCount,
      expiresAt: session.expiresAt.toISOString(),
      parts: parts.map((part) => ({ partNumber: part.partNumber, size: part.size, etag: part.etag })),
      receivedBytes: parts.reduce((sum, part) => sum + part.size, 0),
      contentHash: session.contentHash,
      errorCode: session.errorCode,
    };
  }

  async finalize(principal: Principal, request: FinalizeUploadDto): Promise<FinalizeResponseDto> {
    // Checked before the claim, so someone else's finalize never takes the session's lease.
    const known = await this.uploads.find(request.uploadId);
    if (known && known.state !== 'aborted') assertInitiator(principal, known);
    const session = await this.uploads.claimForFinalize(request.uploadId);
    if (!session) return this.finalizeUnclaimed(request.uploadId);
    const started = Date.now();
    try {
      const result = await this.verifyAndPublish(principal, session, request);
      this.logger.log({
        event: 'upload.finalize',
        uploadId: session.id,
        outcome: 'success',
        created: result.created,
        ms: Date.now() - started,
      });
      return result;
    } catch (error) {
      await this.failFinalize(principal, session, error);
      throw translateFailure(error);
    }
  }

  /**
   * Idempotent: an unknown upload is an error, an aborted or expired one is already gone. Any principal
   * allowed to upload may abort any upload (a platform admin cleans up after another), unlike parts and
   * finalize, which belong to the initiator.
   */
  async abort(principal: Principal, uploadId: string): Promise<{ uploadId: string; state: string }> {
    const session = await this.uploads.find(uploadId);
    if (!session) throw notFound(uploadId);
    if (session.state === 'completed' || session.state === 'aborted' || session.state === 'expired') {
      return { uploadId, state: session.state };
    }
    await this.discardStaging(session);
    await this.uploads.update(uploadId, { state: 'aborted', errorCode: 'ABORTED', leaseUntil: null });
    await this.audit.record({
      type: 'upload.abort',
      actor: principal,
      subject: `upload:${uploadId}`,
      outcome: 'success',
    });
    this.logger.log({ event: 'upload.abort', uploadId });
    return { uploadId, state: 'aborted' };
  }

  /** Finalize reads as its four steps; each refuses with the code the client sees. */
  private async verifyAndPublish(
    principal: Principal,
    session: UploadSessionEntity,
    request: FinalizeUploadDto,
  ): Promise<FinalizeResponseDto> {
    const { staged, parts } = await this.assemble(session, request);
    const inspection = await this.inspect(session, request, parts);
    const verdict = this.verify(inspection, request);
    return this.publish(principal, session, {
      inspection,
      verdict,
      signature: request.signature ?? null,
      staged: { key: session.stagingKey, etag: staged.etag },
    });
  }

  /**
   * Step 1: the parts become one staged object, of the declared size. Returns the parts it was assembled
   * from when this finalize assembled it (a retry after the store completed it has no list).
   */
  private async assemble(
    session: UploadSessionEntity,
    request: FinalizeUploadDto,
  ): Promise<{ staged: ObjectInfo; parts?: UploadedPart[] }> {
    const parts = await this.completeStaging(session, request);
    const staged = await this.store.head(session.stagingKey);
    if (!staged) throw new DomainError(UploadErrors.UPLOAD_INCOMPLETE, 'The staged bundle is missing; upload it again');
    if (staged.size !== session.declaredSize) {
      throw new DomainError(
        UploadErrors.PART_SIZE_MISMATCH,
        `The upload holds ${staged.size} bytes; ${session.declaredSize} were declared`,
        {
          size: staged.size,
          declared: session.declaredSize,
        },
      );
    }
    return { staged, parts };
  }

  /** Step 2, one streaming pass: hash, size caps, safe unpack rules, the manifest and the component's imports. */
  private async inspect(
    session: UploadSessionEntity,
    request: FinalizeUploadDto,
    parts: UploadedPart[] | undefined,
  ): Promise<BundleInspection> {
    const limits = { maxBytes: this.config.bundle.maxBytes, maxUnpackedBytes: this.config.bundle.maxUnpackedBytes };
    const spooled = await this.spooledSource(session, parts);
    let source: 'spool' | 'store' = 'store';
    let storeBecause = spooled.reason;
    let inspection: BundleInspection | undefined;
    if (spooled.body) {
      try {
        inspection = await inspectBundle(spooled.body, { limits });
        source = 'spool';
      } catch (error) {
        // Whatever went wrong with the copy (a disk error, a refusal), the store's bytes decide.
        storeBecause = `the local copy failed: ${isBundleError(error) ? error.code : String(error)}`;
        this.logger.warn({ event: 'upload.spool.unusable', uploadId: session.id, reason: storeBecause });
      }
    }
    inspection ??= await inspectBundle((await this.store.get(session.stagingKey)).body, { limits });
    this.metrics.uploadVerified(source);
    this.logger.log({
      event: 'upload.verify',
      uploadId: session.id,
      contentHash: inspection.contentHash,
      files: inspection.files.length,
      source,
      ...(storeBecause ? { storeBecause } : {}),
    });
    for (const declared of [session.declaredSha256, request.sha256]) {
      if (declared && declared !== inspection.contentHash) {
        throw new DomainError(
          UploadErrors.HASH_MISMATCH,
          `The bundle's content hash is ${inspection.contentHash}, not ${declared}`,
          {
            declared,
            actual: inspection.contentHash,
          },
        );
      }
    }
    return inspection;
  }

  /**
   * The local copy of a proxy upload, when it certainly holds what the store assembled: every part of the
   * upload was sent exactly once (the attempt records of every API process say so), by this process,
   * which kept a whole copy, and the store assembled the part with the ETag that send got back. Anything
   * else (a part re-sent, sent through another API replica, a copy this process did not keep, a retried
   * finalize) reads the bundle back from the store, as presigned uploads always do. The Runner checks the
   * content hash of what it fetches in any case.
   */
  private async spooledSource(
    session: UploadSessionEntity,
    parts: UploadedPart[] | undefined,
  ): Promise<{ body?: AsyncIterable<Buffer>; reason?: string }> {
    if (!this.spool.enabled || session.strategy !== 'proxy') return {};
    if (!parts) return { reason: 'assembled before this finalize' };
    const attempts = await this.uploads.partAttempts(session.id);
    const chosen: (SpooledPart & { md5: string })[] = [];
    for (const part of parts) {
      const sends = attempts.filter((attempt) => attempt.partNumber === part.partNumber);
      const send = trustedSend(sends, part, this.spool.instanceId);
      if (typeof send === 'string') return { reason: `part ${part.partNumber} ${send}` };
      chosen.push({ partNumber: part.partNumber, attemptId: send.attemptId, size: part.size, md5: send.md5 ?? '' });
    }
    const body = await this.spool.reader(session.id, chosen);
    return body ? { body } : { reason: 'local copy missing' };
  }

  /** Step 3: the signature against the trust policy; a rejection answers with the failed check's code. */
  private verify(inspection: BundleInspection, request: FinalizeUploadDto): SignatureVerdict {
    const verdict = this.verification.verify(
      inspection.contentHash,
      request.signature ?? null,
      inspection.manifest.publisher,
    );
    if (!verdict.accepted) {
      // An untrusted signer most often means a CA from another data folder: name the ones this platform trusts.
      const trusted = verdict.code === 'SIGNER_UNTRUSTED' ? { trustedCas: this.verification.trustedCas } : {};
      throw new DomainError(verdict.code ?? 'SIGNATURE_INVALID', verdict.message ?? 'The signature was rejected', {
        verdict,
        ...trusted,
      });
    }
    return verdict;
  }

  /** Step 4: the registry publishes the bundle; the session completes in the same transaction. */
  private async publish(
    principal: Principal,
    session: UploadSessionEntity,
    bundle: VerifiedBundle,
  ): Promise<FinalizeResponseDto> {
    const publication = await this.registry.publish({
      bundle,
      actor: principal,
      publishedBy: session.createdBy,
      audit: { type: 'upload.finalize', data: { uploadId: session.id } },
      within: (manager, version) =>
        this.uploads.update(
          session.id,
          { state: 'completed', contentHash: version.contentHash, versionId: version.id, leaseUntil: null },
          manager,
        ),
    });
    if (!publication.created) return this.completeWithExisting(principal, session, publication.version);
    await this.discardAfterSuccess(session);
    return { created: true, version: publication.version };
  }

  /** Identical content is already registered: the upload is done, nothing new is written. */
  private async completeWithExisting(
    principal: Principal,
    session: UploadSessionEntity,
    existing: VersionDetailDto,
  ): Promise<FinalizeResponseDto> {
    await this.uploads.transaction(async (manager) => {
      await this.uploads.update(
        session.id,
        { state: 'completed', contentHash: existing.contentHash, versionId: existing.id, leaseUntil: null },
        manager,
      );
      await this.audit.record(
        {
          type: 'upload.finalize',
          actor: principal,
          subject: `extension:${existing.extension}@${existing.version}`,
          outcome: 'success',
          data: { uploadId: session.id, contentHash: existing.contentHash, existing: true },
        },
        manager,
      );
    });
    await this.discardAfterSuccess(session);
    return { created: false, version: existing };
  }

  /** A finalize that could not take the session: explain why, or answer again for a completed one. */
  private async finalizeUnclaimed(uploadId: string): Promise<FinalizeResponseDto> {
    const session = await this.uploads.find(uploadId);
    if (!session || session.state === 'aborted') throw notFound(uploadId, session?.errorCode);
    if (session.state === 'completed' && session.contentHash) {
      const version = await this.registry.findByContentHash(session.contentHash);
      if (version) return { created: false, version };
    }
    if (session.state === 'expired' || isExpired(session)) {
      throw new DomainError(
        UploadErrors.UPLOAD_EXPIRED,
        `Upload ${uploadId} expired at ${session.expiresAt.toISOString()}; start a new one`,
        {
          uploadId,
          expiresAt: session.expiresAt.toISOString(),
        },
      );
    }
    throw new DomainError(UploadErrors.UPLOAD_IN_PROGRESS, `Upload ${uploadId} is being finalized by another request`, {
      uploadId,
      retryAfterSeconds: 2,
    });
  }

  /** Assembles the parts into the staged object, unless an earlier finalize already did. */
  private async completeStaging(
    session: UploadSessionEntity,
    request: FinalizeUploadDto,
  ): Promise<UploadedPart[] | undefined> {
    if (!session.s3UploadId) return undefined;
    let parts: UploadedPart[];
    try {
      parts = await this.store.listParts(session.stagingKey, session.s3UploadId);
    } catch (error) {
      // The multipart upload is gone: a previous finalize completed it (then the object is there).
      if (isStorageError(error, 'NO_SUCH_UPLOAD') && (await this.store.head(session.stagingKey))) return undefined;
      throw error;
    }
    const missing: number[] = [];
    for (let partNumber = 1; partNumber <= session.partCount; partNumber++) {
      const part = parts.find((candidate) => candidate.partNumber === partNumber);
      if (!part) missing.push(partNumber);
      else if (part.size !== expectedPartSize(session, partNumber)) {
        throw new DomainError(
          UploadErrors.PART_SIZE_MISMATCH,
          `Part ${partNumber} holds ${part.size} bytes; it must hold ${expectedPartSize(session, partNumber)}`,
          {
            partNumber,
          },
        );
      }
    }
    if (missing.length > 0) {
      throw new DomainError(
        UploadErrors.UPLOAD_INCOMPLETE,
        `Parts ${missing.join(', ')} of ${session.partCount} have not been uploaded`,
        {
          missing,
          retryable: true,
        },
      );
    }
    for (const claimed of request.parts ?? []) {
      const stored = parts.find((part) => part.partNumber === claimed.partNumber);
      if (stored && stored.etag !== claimed.etag.replaceAll('"', '')) {
        throw new DomainError(
          UploadErrors.PART_SIZE_MISMATCH,
          `Part ${claimed.partNumber} in the store is not the one the client sent (ETag differs)`,
          {
            partNumber: claimed.partNumber,
          },
        );
      }
    }
    const ordered = parts
      .filter((part) => part.partNumber <= session.partCount)
      .sort((a, b) => a.partNumber - b.partNumber);
    await this.store.completeMultipartUpload(session.stagingKey, session.s3UploadId, ordered);
    return ordered;
  }

  /**
   * A finalize that failed on the bundle itself ends the upload (the bytes are wrong; retrying cannot
   * help) and removes what was staged. Anything else (the store or the database was unreachable) keeps
   * the upload so the client can finalize again.
   */
  private async failFinalize(principal: Principal, session: UploadSessionEntity, error: unknown): Promise<void> {
    const failure = translateFailure(error);
    const final = failure instanceof DomainError && !failure.details?.['retryable'];
    try {
      if (final) {
        await this.discardStaging(session);
        await this.uploads.update(session.id, { state: 'aborted', errorCode: failure.code, leaseUntil: null });
      } else {
        await this.uploads.update(session.id, { state: 'initiated', leaseUntil: null });
      }
      await this.audit.record({
        type: 'upload.finalize',
        actor: principal,
        subject: `upload:${session.id}`,
        outcome: 'failure',
        data: {
          code: failure instanceof DomainError ? failure.code : 'INTERNAL_ERROR',
          ...(failure instanceof DomainError && failure.details?.['verdict']
            ? { verdict: failure.details['verdict'] }
            : {}),
        },
      });
    } catch (cleanup) {
      this.logger.error({ event: 'upload.finalize.cleanup-failed', uploadId: session.id, err: cleanup });
    }
    this.logger.warn({
      event: 'upload.finalize',
      uploadId: session.id,
      outcome: 'failure',
      code: failure instanceof DomainError ? failure.code : 'INTERNAL_ERROR',
    });
  }

  /**
   * After the version is registered nothing may fail the finalize (that would hand a completed session back
   * for a retry): what cannot be removed now is left to the sweeper, which deletes staging objects no live
   * session owns.
   */
  private async discardAfterSuccess(session: UploadSessionEntity): Promise<void> {
    try {
      await this.discardStaging(session, { assembled: true });
    } catch (error) {
      this.logger.warn({ event: 'upload.cleanup_deferred', uploadId: session.id, error: String(error) });
    }
  }

  /** `assembled`: finalize completed the multipart upload, so there is none left to abort. */
  private async discardStaging(session: UploadSessionEntity, { assembled = false } = {}): Promise<void> {
    await this.spool.discard(session.id);
    // Best effort: a leftover record of a finished session is never read again.
    await this.uploads
      .forgetPartAttempts(session.id)
      .catch((error: unknown) =>
        this.logger.warn({ event: 'upload.attempts_cleanup_failed', uploadId: session.id, error: String(error) }),
      );
    if (session.s3UploadId && !assembled) await this.store.abortMultipartUpload(session.stagingKey, session.s3UploadId);
    for await (const object of this.store.list(this.keys.stagingPrefix(session.id)))
      await this.store.delete(object.key);
  }

  private async listParts(session: UploadSessionEntity): Promise<UploadedPart[]> {
    if (!session.s3UploadId) return [];
    try {
      return await this.store.listParts(session.stagingKey, session.s3UploadId);
    } catch (error) {
      if (isStorageError(error, 'NO_SUCH_UPLOAD')) return [];
      throw error;
    }
  }

  /** A session that still accepts bytes. */
  private async openSession(uploadId: string): Promise<UploadSessionEntity> {
    const session = await this.uploads.find(uploadId);
    if (!session || session.state === 'aborted') throw notFound(uploadId, session?.errorCode);
    if (session.state === 'expired' || isExpired(session)) {
      throw new DomainError(UploadErrors.UPLOAD_EXPIRED, `Upload ${uploadId} expired; start a new one`, { uploadId });
    }
    if (session.state !== 'initiated') {
      throw new DomainError(
        UploadErrors.UPLOAD_IN_PROGRESS,
        `Upload ${uploadId} is ${session.state}; it takes no more parts`,
        { uploadId },
      );
    }
    return session;
  }
}

/**
 * The bytes of one proxied part, checked as they pass: never more than `size`, and part 1 starts with the
 * zstd magic number. A failure is thrown to whoever reads the stream. The request is not destroyed on the
 * way out (that would drop the connection before the error answer is written); the caller drains it.
 */
async function* checkedPart(
  body: Readable,
  partNumber: number,
  size: number,
  counted: { bytes: number },
): AsyncGenerator<Buffer, void, undefined> {
  let head = Buffer.alloc(0);
  for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    counted.bytes += chunk.length;
    if (counted.bytes > size) {
      throw new DomainError(UploadErrors.PART_SIZE_MISMATCH, `Part ${partNumber} must be ${size} bytes; more arrived`, {
        partNumber,
        size,
      });
    }
    if (partNumber === 1 && head.length < ZSTD_MAGIC.length) {
      head = Buffer.concat([head, chunk]).subarray(0, ZSTD_MAGIC.length);
      if (head.length === ZSTD_MAGIC.length && !head.equals(ZSTD_MAGIC)) {
        throw new DomainError(
          UploadErrors.NOT_ZSTD,
          'The upload does not start like a zstd archive; a bundle is a .tar.zst',
        );
      }
    }
    yield chunk;
  }
}

function expectedPartSize(session: UploadSessionEntity, partNumber: number): number {
  if (!isPartNumber(partNumber, session.partCount)) {
    throw new DomainError(
      UploadErrors.INVALID_PART_NUMBER,
      `Part numbers of this upload are 1 to ${session.partCount}`,
      {
        partNumber,
        partCount: session.partCount,
      },
    );
  }
  return partLength(partNumber, session.partSize, session.declaredSize);
}

function isExpired(session: UploadSessionEntity): boolean {
  return session.expiresAt.getTime() <= Date.now();
}

function notFound(uploadId: string, errorCode?: string | null): DomainError {
  const reason = errorCode && errorCode !== 'ABORTED' ? ` (it was ended by ${errorCode})` : '';
  return new DomainError(UploadErrors.UPLOAD_NOT_FOUND, `No open upload ${uploadId}${reason}; start a new one`, {
    uploadId,
  });
}

/**
 * Who an upload and the version it registers belong to: the principal itself. An API key is its own
 * principal (not the user who created it), as in the audit log: an upload started with a key is continued
 * and finalized with that key.
 */
function actorOf(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

/** Only the principal that initiated an upload adds parts to it and finalizes it. */
function assertInitiator(principal: Principal, session: UploadSessionEntity): void {
  if (session.createdBy === actorOf(principal)) return;
  throw new DomainError(
    UploadErrors.UPLOAD_NOT_OWNED,
    `Upload ${session.id} was started by another principal; only it can add parts and finalize (any platform admin can abort it)`,
    { uploadId: session.id },
  );
}

/** Bundle-format failures become the API's INVALID_BUNDLE / INVALID_MANIFEST, keeping their own code. */
function translateFailure(error: unknown): unknown {
  if (!isBundleError(error)) return error;
  if (error.code === 'INVALID_MANIFEST') {
    return new DomainError(UploadErrors.INVALID_MANIFEST, error.message, { issues: error.details['issues'] });
  }
  if (error.code === 'BUNDLE_TOO_LARGE') {
    return new DomainError(UploadErrors.BUNDLE_TOO_LARGE, error.message, { limit: error.details.limit });
  }
  return new DomainError(UploadErrors.INVALID_BUNDLE, error.message, {
    reason: error.code,
    ...(error.entry ? { entry: error.entry } : {}),
    // COMPONENT_IMPORTS_NOT_ALLOWED: what the component imports beyond the allowed set.
    ...(error.details['imports'] !== undefined ? { imports: error.details['imports'] } : {}),
    ...(error.details['importCount'] !== undefined ? { importCount: error.details['importCount'] } : {}),
  });
}

/** Hands each chunk to the spool (when there is one) before it goes on to the store. */
async function* copiedTo(spool: SpoolWriter | undefined, chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    await spool?.write(chunk);
    yield chunk;
  }
}

/** The one send whose local copy stands for what the store holds of `part`, or why there is none. */
function trustedSend(sends: PartAttempt[], part: UploadedPart, instanceId: string): PartAttempt | string {
  const [send] = sends;
  if (!send) return 'has no recorded send';
  if (sends.length > 1) return `was sent ${sends.length} times`;
  if (send.instanceId !== instanceId) return 'was sent through another API process';
  if (!send.spooled || send.md5 === null) return 'was not copied locally';
  const stored = part.etag.replaceAll('"', '').toLowerCase();
  if (send.etag === null || send.etag.replaceAll('"', '').toLowerCase() !== stored) {
    return 'in the store is not the one sent';
  }
  // The ETag of a part is its MD5 on S3 (without SSE-KMS) and on the fs driver: it must be the copy's.
  if (stored !== send.md5) return 'has an ETag that is not the MD5 of the copy';
  if (send.size !== part.size) return 'has another size in the store';
  return send;
}
