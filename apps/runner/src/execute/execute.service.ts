import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ContentHash, ExecuteRequestBody, ExecuteResponseBody } from '@extplat/contracts';
import { currentRequestContext, DomainError, unsealFromApi } from '@extplat/server-core';
import { BundleCache, type BundleLease } from '../cache/bundle-cache.js';
import { isBundleCacheError } from '../cache/cache.errors.js';
import { RUNNER_CONFIG } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { EgressGate } from '../egress/egress-gate.js';
import { type ExecutionOutcomeLabel, RunnerMetrics } from '../metrics/runner-metrics.js';
import { type ExecuteJob, type ExecutionOutcome, isSandboxError, Sandbox } from '../sandbox/index.js';
import { ExecuteErrors } from './execute.errors.js';
import { componentLoadFailure } from './load-failure.js';

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Secrets of one execution; decrypted only when the install was granted cap:secrets.get. */
function openSecrets(sharedSecret: string, sealed: string | null): Record<string, string> {
  if (!sealed) return {};
  const value = unsealFromApi(sharedSecret, sealed);
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/**
 * One execution: make sure the bundle is cached and verified, load its component into the sandbox, and
 * run the handler with the host capabilities the signed claims grant.
 */
@Injectable()
export class ExecuteService {
  private readonly logger = new Logger('Execute');

  constructor(
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly cache: BundleCache,
    private readonly sandbox: Sandbox,
    private readonly egress: EgressGate,
    private readonly metrics: RunnerMetrics,
  ) {}

  async execute(body: ExecuteRequestBody): Promise<ExecuteResponseBody> {
    const started = performance.now();
    let outcome: ExecutionOutcomeLabel = 'bundle-error';
    try {
      const result = await this.run(body, (label) => (outcome = label));
      return result;
    } finally {
      this.metrics.execution(outcome, (performance.now() - started) / 1000);
    }
  }

  /**
   * Runs the job on the component compiled in memory; on its first use in this process (or after the
   * module cache dropped it), gets the verified bundle from the cache and compiles the component first.
   * The deadline counts from the signed request, so a cold start uses part of it.
   */
  private async runLoaded(
    job: Omit<ExecuteJob, 'deadlineMs'>,
    contentHash: ContentHash,
    deadline: number,
  ): Promise<ExecutionOutcome> {
    // The guest gets EXT_EXECUTION_TIMEOUT_MS, or less when the gateway's budget (which also pays for a
    // cold start) ends sooner.
    const remaining = () =>
      Math.max(1, Math.round(Math.min(this.config.sandbox.executionTimeoutMs, deadline - performance.now())));
    try {
      return await this.sandbox.execute({ ...job, deadlineMs: remaining() });
    } catch (error) {
      if (!isSandboxError(error, 'COMPONENT_NOT_LOADED')) throw error;
    }
    const started = performance.now();
    const cold = await this.load(contentHash);
    const outcome = await this.sandbox.execute({ ...job, deadlineMs: remaining() });
    // One line per cold start, split into its phases: what operators (and bench/runner) look at.
    this.logger.log({
      msg: 'cold start',
      contentHash,
      totalMs: Math.round(performance.now() - started),
      ...cold,
      instantiateMs: outcome.kind === 'ok' ? round(outcome.timings.instantiateMs) : null,
      callMs: outcome.kind === 'ok' ? round(outcome.timings.callMs) : null,
    });
    return outcome;
  }

  private async load(contentHash: ContentHash): Promise<Record<string, number | boolean | string | null>> {
    let lease: BundleLease;
    try {
      lease = await this.cache.acquire(contentHash);
    } catch (error) {
      // The API only sends hashes it registered: a missing object is the store's fault, not the caller's.
      if (isBundleCacheError(error, 'BUNDLE_NOT_FOUND')) {
        throw new DomainError(ExecuteErrors.BUNDLE_UNAVAILABLE, error.message, { runnerCode: error.code });
      }
      throw error;
    }
    try {
      const loaded = await this.sandbox.load(contentHash, lease.componentPath);
      return {
        fetched: lease.timings !== undefined,
        fetchMs: lease.timings ? round(lease.timings.fetchMs) : null,
        verifyMs: lease.timings ? round(lease.timings.verifyMs) : null,
        unpackMs: lease.timings ? round(lease.timings.unpackMs) : null,
        transpileMs: round(loaded.transpileMs),
        transpileCached: loaded.transpileCached,
        transpileSource: loaded.source,
        compileMs: round(loaded.compileMs),
      };
    } catch (error) {
      throw componentLoadFailure(error, this.config.cache.dir);
    } finally {
      lease.release();
    }
  }

  private async run(
    body: ExecuteRequestBody,
    setOutcome: (label: ExecutionOutcomeLabel) => void,
  ): Promise<ExecuteResponseBody> {
    const { claims, request } = body;
    const deadline = performance.now() + claims.deadlineMs;
    const capabilities = new Set(claims.capabilities);
    const secrets = capabilities.has('cap:secrets.get')
      ? openSecrets(this.config.sharedSecret, claims.sealedSecrets)
      : {};
    // Guest log lines arrive from the worker outside this request's async context: bind the logger now.
    const requestLogger = currentRequestContext()?.logger;
    const source = { extensionId: claims.extensionId, installId: claims.installId, tenantId: claims.tenantId };
    const job: Omit<ExecuteJob, 'deadlineMs'> = {
      contentHash: claims.contentHash,
      // Warm instances are reused only within one install, one configuration and one bundle.
      instanceKey: `${claims.installId}:${claims.configVersion}:${claims.contentHash}`,
      request: {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: request.headers,
        body: Buffer.from(request.bodyB64, 'base64'),
      },
      context: {
        requestId: claims.requestId,
        tenantId: claims.tenantId,
        installId: claims.installId,
        extensionId: claims.extensionId,
        version: claims.version,
        contentHash: claims.contentHash,
        userId: claims.userId,
        handler: claims.handler,
        params: claims.params,
      },
      configJson: JSON.stringify(claims.config ?? {}),
      capabilities,
      host: {
        secret: (name: string) => Promise.resolve(Object.hasOwn(secrets, name) ? secrets[name] : undefined),
        fetch: (outgoing, signal) => this.egress.fetch(outgoing, claims.egress, signal),
      },
      onLog: (level, message) => {
        if (requestLogger) requestLogger[level]({ extension: source }, message);
        else this.logger.log(`[${claims.extensionId}] ${level}: ${message}`);
      },
    };
    const result = await this.runLoaded(job, claims.contentHash as ContentHash, deadline);
    setOutcome(result.kind);
    switch (result.kind) {
      case 'ok':
        return {
          status: result.response.status,
          headers: result.response.headers,
          bodyB64: Buffer.from(result.response.body).toString('base64'),
        };
      case 'busy':
        throw new DomainError(
          ExecuteErrors.RUNNER_BUSY,
          result.reason === 'queue-full'
            ? 'The extension runner has too many calls of this tenant waiting; retry later'
            : `No sandbox worker came free within ${this.config.sandbox.queueTimeoutMs} ms; retry later`,
          { reason: result.reason, retryAfterSeconds: result.retryAfterSeconds },
        );
      case 'timeout':
        throw new DomainError(
          ExecuteErrors.EXECUTION_TIMEOUT,
          `The extension did not answer within ${Math.min(this.config.sandbox.executionTimeoutMs, claims.deadlineMs)} ms; its instance was stopped`,
          { executionTimeoutMs: this.config.sandbox.executionTimeoutMs, gatewayBudgetMs: claims.deadlineMs },
        );
      case 'out-of-memory':
        throw new DomainError(
          ExecuteErrors.EXTENSION_OUT_OF_MEMORY,
          `The extension went over its memory limit of ${this.config.sandbox.memoryMaxMiB} MiB`,
          { memoryMaxMiB: this.config.sandbox.memoryMaxMiB },
        );
      case 'capability-denied':
        throw new DomainError(
          ExecuteErrors.CAPABILITY_NOT_GRANTED,
          `The extension called a host function that needs ${result.capability}, which this install was not granted`,
          { capability: result.capability },
        );
      case 'invalid-response':
        throw new DomainError(
          ExecuteErrors.INVALID_EXTENSION_RESPONSE,
          `The extension's response was invalid: ${result.message}`,
        );
      case 'trap':
        throw new DomainError(ExecuteErrors.EXTENSION_FAILED, `The extension failed: ${result.message}`);
    }
  }
}
