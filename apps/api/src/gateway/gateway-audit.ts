import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AuditEventInput } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';

const FLUSH_INTERVAL_MS = 200;
const MAX_BATCH = 200;
/** Past this many waiting events new ones are dropped (and counted in the log) rather than growing memory. */
const MAX_PENDING = 20_000;

/**
 * Audit events of extension calls, written after the response in batches: one transaction and one INSERT
 * per batch instead of a transaction per call, so auditing every call costs the caller no latency and the
 * API a few statements per batch (the chain's lock and last hash are read once per batch).
 */
@Injectable()
export class GatewayAudit implements OnApplicationShutdown {
  private readonly logger = new Logger('GatewayAudit');
  private pending: AuditEventInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private dropped = 0;

  constructor(private readonly audit: AuditService) {}

  add(event: AuditEventInput): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped += 1;
      return;
    }
    this.pending.push(event);
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Writes everything queued so far; resolves when it is committed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(async () => {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          await this.audit.recordAll(batch);
        } catch (error) {
          this.logger.error(`could not write ${batch.length} extension-call audit events: ${String(error)}`);
        }
      }
      if (this.dropped > 0) {
        this.logger.warn(`dropped ${this.dropped} extension-call audit events: the audit log could not keep up`);
        this.dropped = 0;
      }
    });
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
