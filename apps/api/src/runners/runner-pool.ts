import { lookup } from 'node:dns/promises';
import { Logger } from '@nestjs/common';
import type { ExecuteRequestBody } from '@extplat/contracts';
import type { RunnerDiscovery } from '../config/api-config.js';
import { rendezvousOrder } from './rendezvous.js';
import { type PrewarmAnswer, type RunnerAnswer, RunnerClient } from './runner-client.js';

/** How long one health probe may take before it counts as a failure. */
const PROBE_TIMEOUT_MS = 1500;
/** Content hashes whose rank is kept; past this the memo starts over (a rank costs one hash per Runner). */
const MAX_RANKINGS = 10_000;

interface Member {
  client: RunnerClient;
  /** False after a failed probe or a refused connection, until a probe passes again. */
  healthy: boolean;
}

/**
 * The Runners the gateway can call and which of them are healthy. Each call goes to the first healthy
 * Runner in the rendezvous order of its content hash, so a bundle is fetched and cached by about one
 * Runner; a Runner whose probe fails (or that refuses a connection) is skipped until its probe passes.
 * When no Runner is healthy the calls still try them in order: a probe may be stale, and a refusal costs
 * one connection attempt.
 */
export class RunnerPool {
  private readonly logger = new Logger('RunnerPool');
  private readonly members = new Map<string, Member>();
  /** Rendezvous ranks by content hash for the current members (see ranked()). */
  private readonly rankings = new Map<string, readonly string[]>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly discovery: RunnerDiscovery,
    private readonly sharedSecret: string,
    private readonly healthIntervalMs: number,
  ) {
    if (discovery.kind === 'static') this.setMembers(discovery.urls);
  }

  /** Starts the probes (and DNS discovery); resolves once the first round is done. */
  async start(): Promise<void> {
    if (this.discovery.kind === 'dns') {
      await this.discover(this.discovery);
      const { intervalMs } = this.discovery;
      const dns = this.discovery;
      this.timers.push(setInterval(() => void this.discover(dns), intervalMs).unref());
    }
    await this.probeAll();
    this.timers.push(setInterval(() => void this.probeAll(), this.healthIntervalMs).unref());
  }

  /** Base URLs of every known Runner, and whether each is taking calls. */
  snapshot(): { url: string; healthy: boolean }[] {
    return [...this.members.values()].map(({ client, healthy }) => ({ url: client.baseUrl, healthy }));
  }

  /** Known Runners in the order a call for `contentHash` tries them: healthy ones first, by rendezvous rank. */
  order(contentHash: string): string[] {
    const ranked = this.ranked(contentHash);
    const healthy = ranked.filter((url) => this.members.get(url)?.healthy);
    return [...healthy, ...ranked.filter((url) => !this.members.get(url)?.healthy)];
  }

  /**
   * Sends the call to its Runner. Only a call no Runner received moves on to the next Runner: one that was
   * sent may have run, so its failure is the answer (the gateway turns it into 503 RUNNER_UNAVAILABLE).
   */
  async execute(payload: ExecuteRequestBody, timeoutMs: number): Promise<RunnerAnswer> {
    const urls = this.order(payload.claims.contentHash);
    if (urls.length === 0) return { kind: 'unavailable', message: 'no Runner is known (discovery found none)' };
    const refusals: string[] = [];
    for (const url of urls) {
      const member = this.members.get(url);
      if (!member) continue;
      const answer = await member.client.execute(payload, timeoutMs);
      if (answer.kind !== 'unreachable') return answer;
      refusals.push(answer.message);
      this.markUnhealthy(member, answer.message);
    }
    return { kind: 'unavailable', message: `no Runner could be reached (${refusals.join('; ')})` };
  }

  /**
   * Asks the Runner that will execute `contentHash` (the first healthy one in its rendezvous order) to warm
   * it. A prewarm is idempotent, so one that reached no Runner moves on to the next choice, which is where
   * calls will go while the first is away.
   */
  async prewarm(contentHash: string, timeoutMs: number): Promise<PrewarmAnswer> {
    const urls = this.order(contentHash);
    if (urls.length === 0) return { kind: 'unavailable', message: 'no Runner is known (discovery found none)' };
    const failures: string[] = [];
    for (const url of urls) {
      const member = this.members.get(url);
      if (!member) continue;
      const answer = await member.client.prewarm(contentHash, timeoutMs);
      if (answer.kind !== 'unavailable') return answer;
      failures.push(answer.message);
    }
    return { kind: 'unavailable', message: `no Runner could be reached (${failures.join('; ')})` };
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const { client } of this.members.values()) client.close();
    this.members.clear();
    this.rankings.clear();
  }

  /**
   * The rendezvous rank of every member for `contentHash`, kept until the members change: it hashes once per
   * member, and every call asks for it.
   */
  private ranked(contentHash: string): readonly string[] {
    let ranked = this.rankings.get(contentHash);
    if (!ranked) {
      if (this.rankings.size >= MAX_RANKINGS) this.rankings.clear();
      ranked = rendezvousOrder(contentHash, [...this.members.keys()]);
      this.rankings.set(contentHash, ranked);
    }
    return ranked;
  }

  private setMembers(urls: readonly string[]): void {
    for (const [url, member] of this.members) {
      if (urls.includes(url)) continue;
      // Calls in flight keep their sockets; idle ones are closed by the Runner's keep-alive timeout.
      this.members.delete(url);
      this.rankings.clear();
      this.logger.log({ msg: 'Runner left the pool', runner: member.client.baseUrl });
    }
    for (const url of urls) {
      if (this.members.has(url)) continue;
      // Healthy until a probe says otherwise: a new pod should take its share at once.
      this.members.set(url, { client: new RunnerClient(url, this.sharedSecret), healthy: true });
      this.rankings.clear();
      if (this.timers.length > 0) this.logger.log({ msg: 'Runner joined the pool', runner: url });
    }
  }

  private async discover({ host, port }: { host: string; port: number }): Promise<void> {
    try {
      const addresses = await lookup(host, { all: true });
      const urls = addresses.map(({ address, family }) =>
        family === 6 ? `http://[${address}]:${port}` : `http://${address}:${port}`,
      );
      this.setMembers([...new Set(urls)]);
    } catch (error) {
      // Keep the last known Runners: a DNS hiccup must not empty the pool.
      this.logger.warn({
        msg: 'Runner discovery failed; keeping the last known Runners',
        host,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async probeAll(): Promise<void> {
    await Promise.all([...this.members.values()].map((member) => this.probe(member)));
  }

  private async probe(member: Member): Promise<void> {
    let failure: string | undefined;
    try {
      const response = await fetch(`${member.client.baseUrl}/readyz`, {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok) failure = `readyz answered ${response.status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (failure !== undefined) this.markUnhealthy(member, failure);
    else if (!member.healthy) {
      member.healthy = true;
      this.logger.log({ msg: 'Runner is healthy again', runner: member.client.baseUrl });
    }
  }

  private markUnhealthy(member: Member, reason: string): void {
    if (!member.healthy) return;
    member.healthy = false;
    this.logger.warn({ msg: 'Runner ejected from routing', runner: member.client.baseUrl, reason });
  }
}
