import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../access/principal.js';
import { resolveListScope } from '../access/tenant-scope.js';
import {
  type AuditActorFields,
  auditEventHash,
  type ChainedEvent,
  GENESIS_HASH,
  normaliseAuditData,
} from './audit-chain.js';
import type { AuditEventInput } from './audit-event.js';
import type { AuditEventEntity } from './audit-event.entity.js';
import {
  AUDIT_PAGE_DEFAULT,
  type AuditEventPageResponseDto,
  type ListAuditEventsQueryDto,
  toAuditEventResponse,
} from './audit.dto.js';
import { AuditRepository, type NewAuditEventRow } from './audit.repository.js';

export interface VerifyChainResult {
  ok: boolean;
  /** Events examined, the first bad one included. */
  checked: number;
  firstBadSeq?: number;
  reason?: string;
}

const VERIFY_PAGE_SIZE = 500;

@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(private readonly repository: AuditRepository) {}

  /**
   * Appends an event to the chain. Given the `manager` of a transaction, the event commits or rolls back
   * with the change it describes; otherwise it gets a transaction of its own. `tenantId` left undefined
   * means the actor's tenant (null for platform admins and for the platform itself).
   *
   * Appends are serialised by an advisory lock held until that transaction ends, so keep the transaction
   * short after recording. The caller's transaction must be READ COMMITTED (the default): under a snapshot
   * taken before the lock, the previous hash would be stale, and the unique `prev_hash` refuses the fork. The log line is written on append: when the caller's transaction later rolls
   * back, the line stays but the event does not.
   */
  async record(event: AuditEventInput, manager?: EntityManager): Promise<void> {
    await this.recordAll([event], manager);
  }

  /**
   * Appends several events in the order given, as {@link record} does one: the chain lock and the last
   * hash are read once and the rows go in with one INSERT, so a batch costs three statements, not three
   * per event.
   */
  async recordAll(events: readonly AuditEventInput[], manager?: EntityManager): Promise<void> {
    if (events.length === 0) return;
    const append = (inTransaction: EntityManager) => this.append(events, inTransaction);
    const appended = manager?.queryRunner?.isTransactionActive
      ? await append(manager)
      : manager
        ? await manager.transaction(append)
        : await this.repository.transaction(append);
    for (const { seq, chained } of appended) {
      this.logger.log({
        msg: `audit ${chained.type} ${chained.outcome}`,
        audit: {
          seq,
          id: chained.id,
          type: chained.type,
          outcome: chained.outcome,
          actor: chained.actor ? { kind: chained.actor.kind, id: chained.actor.id } : null,
          tenantId: chained.tenantId,
          subject: chained.subject,
          data: chained.data,
        },
      });
    }
  }

  /**
   * Re-reads the whole chain in sequence order, one page at a time (memory stays bounded), and recomputes
   * every hash and every link. Stops at the first bad event. Removing the newest events leaves a shorter
   * valid chain: compare `checked` with a count kept elsewhere to detect that.
   */
  async verifyChain(options: { pageSize?: number } = {}): Promise<VerifyChainResult> {
    const pageSize = options.pageSize ?? VERIFY_PAGE_SIZE;
    let expectedPrevHash = GENESIS_HASH;
    let afterSeq = 0;
    let checked = 0;
    for (;;) {
      const rows = await this.repository.pageAfter(afterSeq, pageSize);
      if (rows.length === 0) return { ok: true, checked };
      for (const row of rows) {
        checked += 1;
        const seq = Number(row.seq);
        if (row.prevHash !== expectedPrevHash) {
          return {
            ok: false,
            checked,
            firstBadSeq: seq,
            reason:
              'prev_hash does not match the hash of the event before it (an event was removed, or this link or the previous event altered)',
          };
        }
        if (auditEventHash(chainedEventOf(row)) !== row.hash) {
          return { ok: false, checked, firstBadSeq: seq, reason: 'hash does not match the content of the event' };
        }
        expectedPrevHash = row.hash;
        afterSeq = seq;
      }
    }
  }

  /**
   * A page of events, newest first, within what the principal may see: the one tenant-scoping rule of the
   * API (platform admins all, optionally one tenant; everyone else their own tenant only, from the principal).
   */
  async list(principal: Principal, query: ListAuditEventsQueryDto): Promise<AuditEventPageResponseDto> {
    const scope = resolveListScope(principal, query.tenantId);
    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    const rows = await this.repository.list({
      ...scope,
      type: query.type,
      subjectPrefix: query.subject,
      since: query.since === undefined ? undefined : new Date(query.since),
      beforeSeq: query.cursor === undefined ? undefined : Number(query.cursor),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(toAuditEventResponse), nextCursor: rows.length > limit && last ? last.seq : null };
  }

  private async append(
    events: readonly AuditEventInput[],
    manager: EntityManager,
  ): Promise<{ seq: number; chained: ChainedEvent }[]> {
    await this.repository.lockChain(manager);
    let prevHash = (await this.repository.lastHash(manager)) ?? GENESIS_HASH;
    const rows: NewAuditEventRow[] = [];
    const chain: ChainedEvent[] = [];
    for (const event of events) {
      // Taken under the lock, so occurred_at never goes backwards along the chain.
      const chained: ChainedEvent = {
        prevHash,
        id: randomUUID(),
        occurredAt: new Date(),
        type: event.type,
        actor: event.actor ? { kind: event.actor.kind, id: event.actor.id, name: event.actor.name } : null,
        tenantId: event.tenantId === undefined ? (event.actor?.tenantId ?? null) : event.tenantId,
        subject: event.subject ?? null,
        outcome: event.outcome,
        data: normaliseAuditData(event.data),
      };
      const hash = auditEventHash(chained);
      rows.push({
        id: chained.id,
        occurredAt: chained.occurredAt,
        type: chained.type,
        actorKind: chained.actor?.kind ?? null,
        actorId: chained.actor?.id ?? null,
        actorName: chained.actor?.name ?? null,
        tenantId: chained.tenantId,
        subject: chained.subject,
        outcome: chained.outcome,
        data: chained.data,
        prevHash,
        hash,
      });
      chain.push(chained);
      prevHash = hash;
    }
    const seqs = await this.repository.append(manager, rows);
    return chain.map((chained, index) => ({ seq: seqs[index]!, chained }));
  }
}

/** The hashed content of a stored row. The actor is rebuilt column by column, so a change to any one shows. */
function chainedEventOf(row: AuditEventEntity): ChainedEvent {
  const actor: AuditActorFields | null =
    row.actorKind === null && row.actorId === null && row.actorName === null
      ? null
      : { kind: row.actorKind, id: row.actorId, name: row.actorName };
  return {
    prevHash: row.prevHash,
    id: row.id,
    occurredAt: row.occurredAt,
    type: row.type,
    actor,
    tenantId: row.tenantId,
    subject: row.subject,
    outcome: row.outcome,
    data: row.data,
  };
}
