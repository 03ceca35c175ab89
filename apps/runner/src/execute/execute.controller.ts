import { Controller, Get, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { type ConfigFingerprint, type ExecuteResponseBody, RUNNER_EXECUTE_PATH } from '@extplat/contracts';
import {
  checkRunnerSignature,
  configFingerprint,
  DomainError,
  ReplayCacheUnavailableError,
  type ReplayGuard,
  SharedState,
} from '@extplat/server-core';
import { RUNNER_CONFIG } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import { ExecuteErrors } from './execute.errors.js';
import { parseExecuteBody } from './execute-request.js';
import { ExecuteService } from './execute.service.js';

/** Largest signed execute body: the gateway's own cap on request bodies, base64-encoded, plus claims. */
const MAX_EXECUTE_BYTES = 16 * 1024 * 1024;

async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new DomainError(ExecuteErrors.EXECUTE_BODY_TOO_LARGE, `Execute bodies are limited to ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.destroy();
      throw new DomainError(ExecuteErrors.EXECUTE_BODY_TOO_LARGE, `Execute bodies are limited to ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

@Controller()
export class ExecuteController {
  private readonly nonces: ReplayGuard;
  private readonly fingerprint: ConfigFingerprint;

  constructor(
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly service: ExecuteService,
    private readonly metrics: RunnerMetrics,
    sharedState: SharedState,
  ) {
    this.nonces = sharedState.replayGuard();
    this.fingerprint = configFingerprint(
      'runner',
      { storage: config.storage, signing: config.signing, egressAllowlist: config.egress.allowlist },
      config.sharedSecret,
    );
  }

  /** Runs one extension request. Only the API's gateway can call it: the body is HMAC-signed. */
  @Post(RUNNER_EXECUTE_PATH)
  @HttpCode(200)
  async execute(@Req() req: Request): Promise<ExecuteResponseBody> {
    const raw = await readBody(req, MAX_EXECUTE_BYTES);
    const check = checkRunnerSignature(this.config.sharedSecret, req.headers, raw);
    if (!check.ok) {
      this.metrics.execution('rejected', 0);
      throw new DomainError(
        ExecuteErrors.EXECUTE_UNAUTHORIZED,
        check.reason === 'stale'
          ? 'The request signature has expired; check that the API and the Runner clocks agree'
          : 'The request is not signed by the API gateway',
        { reason: check.reason },
      );
    }
    if (!(await this.rememberNonce(check.nonce))) {
      this.metrics.execution('rejected', 0);
      throw new DomainError(ExecuteErrors.EXECUTE_REPLAYED, 'This signed request was already used');
    }
    return this.service.execute(parseExecuteBody(raw));
  }

  /** Fails closed: a nonce that cannot be checked against the shared cache could be a replay. */
  private async rememberNonce(nonce: string): Promise<boolean> {
    try {
      return await this.nonces.remember(nonce);
    } catch (error) {
      if (!(error instanceof ReplayCacheUnavailableError)) throw error;
      this.metrics.execution('rejected', 0);
      throw new DomainError(
        ExecuteErrors.REPLAY_CACHE_UNAVAILABLE,
        'The shared replay cache (Redis) cannot be reached, so no signed call is accepted; retry shortly',
        { retryAfterSeconds: 2 },
      );
    }
  }

  /** Prometheus metrics. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  metricsText(): Promise<string> {
    return this.metrics.render();
  }

  /** The settings this Runner must share with the API, for `npm run config:check` and the API's readiness. */
  @Get('v1/config-fingerprint')
  @Header('Cache-Control', 'no-store')
  configFingerprint(): ConfigFingerprint {
    return this.fingerprint;
  }
}
