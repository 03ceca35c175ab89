import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** The columns of `upload_sessions` the sweeper reads (the upload module owns the table). */
export interface ExpirableSession {
  id: string;
  state: 'initiated' | 'finalizing';
  stagingKey: string | null;
  s3UploadId: string | null;
  expiresAt: Date;
}

export interface StagingOwner {
  id: string;
  state: string;
  stagingKey: string | null;
}

export interface ExpiryCriteria {
  now: Date;
  graceSeconds: number;
  /** Sessions already tried in this sweep, left out so a failing one is not picked again at once. */
  excludeIds: readonly string[];
}

interface SessionRow {
  id: string;
  state: 'initiated' | 'finalizing';
  staging_key: string | null;
  s3_upload_id: string | null;
  expires_at: Date;
}

/**
 * Sessions that nobody will finish: still `initiated`, or `finalizing` with a lease that ran out, and past
 * their expiry by more than the grace window. The first state test repeats the partial index's predicate so
 * the planner can use it.
 */
const EXPIRED_SESSIONS = `
  SELECT id::text AS id, state, staging_key, s3_upload_id, expires_at
  FROM upload_sessions
  WHERE state IN ('initiated', 'finalizing')
    AND (state = 'initiated' OR lease_until IS NULL OR lease_until < $1)
    AND expires_at + make_interval(secs => $2) < $1
    AND NOT (id = ANY($3::uuid[]))
  ORDER BY expires_at
  LIMIT $4`;

/** Plain SQL on `upload_sessions` (no entity of the sweeper's own), against the columns listed above. */
@Injectable()
export class GcRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Locks the next expired session for the rest of the transaction. SKIP LOCKED passes over rows another
   * sweeper (another API instance) or a finalize holds, so no session is swept twice at once.
   */
  async claimExpired(manager: EntityManager, criteria: ExpiryCriteria): Promise<ExpirableSession | null> {
    const rows: SessionRow[] = await manager.query(`${EXPIRED_SESSIONS} FOR UPDATE SKIP LOCKED`, [
      criteria.now,
      criteria.graceSeconds,
      criteria.excludeIds,
      1,
    ]);
    return rows[0] ? sessionOf(rows[0]) : null;
  }

  /** What a sweep would claim, without locking anything (dry run). */
  async findExpired(criteria: ExpiryCriteria, limit: number): Promise<ExpirableSession[]> {
    const rows: SessionRow[] = await this.dataSource.query(EXPIRED_SESSIONS, [
      criteria.now,
      criteria.graceSeconds,
      criteria.excludeIds,
      limit,
    ]);
    return rows.map(sessionOf);
  }

  async markExpired(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE upload_sessions SET state = 'expired', lease_until = NULL, updated_at = now()
       WHERE id = $1 AND state IN ('initiated', 'finalizing')`,
      [id],
    );
    // The record of its part sends serves no finalize any more.
    await manager.query(`DELETE FROM upload_part_attempts WHERE upload_id = $1`, [id]);
  }

  /**
   * Sessions that own any of these staging upload ids: by session id, or by the upload id inside their
   * staging key (`<stagingBase><uploadId>/...`).
   */
  async stagingOwners(uploadIds: readonly string[], stagingBase: string): Promise<StagingOwner[]> {
    if (uploadIds.length === 0) return [];
    const uuids = uploadIds.filter((id) => UUID.test(id));
    const rows: { id: string; state: string; staging_key: string | null }[] = await this.dataSource.query(
      `SELECT id::text AS id, state, staging_key
       FROM upload_sessions
       WHERE id = ANY($1::uuid[])
          OR (starts_with(staging_key, $2) AND split_part(substr(staging_key, length($2) + 1), '/', 1) = ANY($3::text[]))`,
      [uuids, stagingBase, uploadIds],
    );
    return rows.map((row) => ({ id: row.id, state: row.state, stagingKey: row.staging_key }));
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sessionOf(row: SessionRow): ExpirableSession {
  return {
    id: row.id,
    state: row.state,
    stagingKey: row.staging_key,
    s3UploadId: row.s3_upload_id,
    expiresAt: row.expires_at,
  };
}
