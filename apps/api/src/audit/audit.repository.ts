import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { likePrefix } from '@extplat/server-core';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity.js';

/**
 * Key of the transaction-scoped advisory lock that serialises appends (the ASCII bytes of "auditlog" read
 * as a bigint). Fixed, so every API instance and every CLI takes the same lock.
 */
export const AUDIT_CHAIN_LOCK_KEY = '7022629598041763687';

export type NewAuditEventRow = Omit<AuditEventEntity, 'seq'>;

export interface AuditListFilter {
  /** Only this tenant's events; absent for every tenant's and the platform's. */
  tenantId?: string;
  type?: string;
  subjectPrefix?: string;
  since?: Date;
  /** Events older than this sequence number (the cursor). */
  beforeSeq?: number;
  limit: number;
}

/** The only place that reads or writes `audit_events`. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Held until the caller's transaction ends, so each event links to the one committed just before it. */
  async lockChain(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK_KEY]);
  }

  async lastHash(manager: EntityManager): Promise<string | null> {
    const rows: { hash: string }[] = await manager.query('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    return rows[0]?.hash ?? null;
  }

  /**
   * Inserts rows in chain order with one statement and answers their sequence numbers in the same order.
   * The rows of one VALUES list take their `seq` from the sequence in list order, so the chain's order by
   * `seq` is the order given (the caller holds the chain lock, so nothing interleaves).
   */
  async append(manager: EntityManager, rows: readonly NewAuditEventRow[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const columns = 12;
    const values = rows.map((_, row) => {
      const at = (column: number) => `$${row * columns + column}`;
      return `(${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(5)}, ${at(6)}, ${at(7)}, ${at(8)}, ${at(9)}, ${at(10)}::jsonb, ${at(11)}, ${at(12)})`;
    });
    const inserted: { id: string; seq: string }[] = await manager.query(
      `INSERT INTO audit_events
         (id, occurred_at, type, actor_kind, actor_id, actor_name, tenant_id, subject, outcome, data, prev_hash, hash)
       VALUES ${values.join(', ')}
       RETURNING id, seq`,
      rows.flatMap((row) => [
        row.id,
        row.occurredAt,
        row.type,
        row.actorKind,
        row.actorId,
        row.actorName,
        row.tenantId,
        row.subject,
        row.outcome,
        JSON.stringify(row.data),
        row.prevHash,
        row.hash,
      ]),
    );
    const seqById = new Map(inserted.map(({ id, seq }) => [id, Number(seq)]));
    return rows.map((row) => {
      const seq = seqById.get(row.id);
      if (seq === undefined) throw new Error('INSERT INTO audit_events returned no sequence number');
      return seq;
    });
  }

  /** Events after `afterSeq` in chain order: one page of a full verification. */
  pageAfter(afterSeq: number, limit: number): Promise<AuditEventEntity[]> {
    return this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where('e.seq > :afterSeq', { afterSeq: String(afterSeq) })
      .orderBy('e.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Newest first. */
  list(filter: AuditListFilter): Promise<AuditEventEntity[]> {
    const query = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .orderBy('e.seq', 'DESC')
      .limit(filter.limit);
    if (filter.tenantId !== undefined) query.andWhere('e.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.type !== undefined) query.andWhere('e.type = :type', { type: filter.type });
    if (filter.subjectPrefix !== undefined) {
      query.andWhere(`e.subject LIKE :subject ESCAPE '\\'`, { subject: likePrefix(filter.subjectPrefix) });
    }
    if (filter.since !== undefined) query.andWhere('e.occurred_at >= :since', { since: filter.since });
    if (filter.beforeSeq !== undefined) query.andWhere('e.seq < :beforeSeq', { beforeSeq: String(filter.beforeSeq) });
    return query.getMany();
  }
}
