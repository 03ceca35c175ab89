import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { UploadSessionEntity } from './upload-session.entity.js';

/** One send of a proxied part (upload_part_attempts). */
export interface PartAttempt {
  attemptId: string;
  partNumber: number;
  instanceId: string;
  /** Set once the store acknowledged the part. */
  etag: string | null;
  size: number | null;
  spooled: boolean;
  /** Hex MD5 of the local copy, when one was kept whole. */
  md5: string | null;
}

/** How long a finalize may hold a session before another request may take it over. */
const FINALIZE_LEASE_SECONDS = 15 * 60;

@Injectable()
export class UploadRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  create(values: Partial<UploadSessionEntity>): Promise<UploadSessionEntity> {
    const repository = this.dataSource.getRepository(UploadSessionEntity);
    return repository.save(repository.create(values));
  }

  find(id: string): Promise<UploadSessionEntity | null> {
    return this.dataSource.getRepository(UploadSessionEntity).findOneBy({ id });
  }

  /**
   * Takes the session for a finalize: only an initiated, unexpired session (or one whose previous
   * finalize lease ran out) is returned; concurrent finalizes of one session get null.
   */
  async claimForFinalize(id: string): Promise<UploadSessionEntity | null> {
    const rows: unknown = await this.dataSource.query(
      `UPDATE upload_sessions
          SET state = 'finalizing', lease_until = now() + make_interval(secs => $2), updated_at = now()
        WHERE id = $1 AND expires_at > now()
          AND (state = 'initiated' OR (state = 'finalizing' AND lease_until < now()))
        RETURNING id`,
      [id, FINALIZE_LEASE_SECONDS],
    );
    const [updated] = (rows as [{ id: string }[], number])[0];
    return updated ? this.find(id) : null;
  }

  async update(
    id: string,
    values: Partial<UploadSessionEntity>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.getRepository(UploadSessionEntity).update({ id }, { ...values, updatedAt: new Date() });
  }

  /**
   * Recorded (and committed) before a proxied part's bytes go to the store. Returns how many sends of the
   * same part were recorded before this one (by any API process).
   */
  async recordPartAttempt(attempt: {
    attemptId: string;
    uploadId: string;
    partNumber: number;
    instanceId: string;
  }): Promise<number> {
    const rows: { earlier: string }[] = await this.dataSource.query(
      `INSERT INTO upload_part_attempts (attempt_id, upload_id, part_number, instance_id) VALUES ($1, $2, $3, $4)
       RETURNING (SELECT count(*) FROM upload_part_attempts WHERE upload_id = $2 AND part_number = $3) AS earlier`,
      [attempt.attemptId, attempt.uploadId, attempt.partNumber, attempt.instanceId],
    );
    return Number(rows[0]?.earlier ?? 0);
  }

  /**
   * The store acknowledged the part; `copy` is the MD5 of the whole local copy kept of it, or null when
   * none was kept.
   */
  async completePartAttempt(attemptId: string, etag: string, size: number, copyMd5: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE upload_part_attempts SET etag = $2, size = $3, spooled = $4, md5 = $5 WHERE attempt_id = $1`,
      [attemptId, etag, size, copyMd5 !== null, copyMd5],
    );
  }

  /** Which of these uploads have ended (completed, aborted, expired) or are gone. */
  async endedUploads(uploadIds: string[]): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT u.id::text AS id FROM unnest($1::uuid[]) AS u (id)
         LEFT JOIN upload_sessions s ON s.id = u.id
        WHERE s.id IS NULL OR s.state IN ('completed', 'aborted', 'expired')`,
      [uploadIds],
    );
    return rows.map((row) => row.id);
  }

  /** The session ended: its part sends serve no finalize any more. */
  async forgetPartAttempts(uploadId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM upload_part_attempts WHERE upload_id = $1`, [uploadId]);
  }

  async partAttempts(uploadId: string): Promise<PartAttempt[]> {
    const rows: {
      attempt_id: string;
      part_number: number;
      instance_id: string;
      etag: string | null;
      size: string | null;
      spooled: boolean;
      md5: string | null;
    }[] = await this.dataSource.query(
      `SELECT attempt_id, part_number, instance_id, etag, size, spooled, md5
         FROM upload_part_attempts WHERE upload_id = $1 ORDER BY created_at`,
      [uploadId],
    );
    return rows.map((row) => ({
      attemptId: row.attempt_id,
      partNumber: row.part_number,
      instanceId: row.instance_id,
      etag: row.etag,
      size: row.size === null ? null : Number(row.size),
      spooled: row.spooled,
      md5: row.md5,
    }));
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
