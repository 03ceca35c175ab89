import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { type ContentHash, isContentHash, type PrewarmResponseBody, RUNNER_PREWARM_PATH } from '@extplat/contracts';
import { checkRunnerSignature, DomainError, NonceCache } from '@extplat/server-core';
import { RUNNER_CONFIG } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import { PrewarmErrors } from './prewarm.errors.js';
import { PrewarmService } from './prewarm.service.js';

/** A prewarm body is one content hash; anything much larger is not from the API. */
const MAX_PREWARM_BYTES = 4096;

async function readBody(req: Request): Promise<Buffer> {
  const tooLarge = () =>
    new DomainError(PrewarmErrors.PREWARM_BODY_TOO_LARGE, `Prewarm bodies are limited to ${MAX_PREWARM_BYTES} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_PREWARM_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PREWARM_BYTES) {
      req.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseContentHash(raw: Buffer): ContentHash {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DomainError(PrewarmErrors.INVALID_PREWARM_REQUEST, 'body: must be JSON', { path: 'body' });
  }
  const contentHash =
    typeof parsed === 'object' && parsed !== null ? (parsed as { contentHash?: unknown }).contentHash : undefined;
  if (typeof contentHash !== 'string' || !isContentHash(contentHash)) {
    throw new DomainError(PrewarmErrors.INVALID_PREWARM_REQUEST, 'contentHash: must be sha256:<64 lowercase hex>', {
      path: 'contentHash',
    });
  }
  return contentHash;
}

@Controller()
export class PrewarmController {
  // Its own replay window: a replayed prewarm could only warm the same bundle again, but it is refused
  // all the same, as for execute.
  private readonly nonces = new NonceCache();

  constructor(
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly service: PrewarmService,
    private readonly metrics: RunnerMetrics,
  ) {}

  /** Warms a bundle for its first call. Only the API can call it: the body is HMAC-signed like execute's. */
  @Post(RUNNER_PREWARM_PATH)
  @HttpCode(200)
  async prewarm(@Req() req: Request): Promise<PrewarmResponseBody> {
    const raw = await readBody(req);
    const check = checkRunnerSignature(this.config.sharedSecret, req.headers, raw);
    if (!check.ok) {
      this.metrics.prewarm(PrewarmErrors.PREWARM_UNAUTHORIZED);
      throw new DomainError(
        PrewarmErrors.PREWARM_UNAUTHORIZED,
        check.reason === 'stale'
          ? 'The request signature has expired; check that the API and the Runner clocks agree'
          : 'The request is not signed by the API',
        { reason: check.reason },
      );
    }
    if (!this.nonces.remember(check.nonce)) {
      this.metrics.prewarm(PrewarmErrors.PREWARM_REPLAYED);
      throw new DomainError(PrewarmErrors.PREWARM_REPLAYED, 'This signed request was already used');
    }
    return this.service.prewarm(parseContentHash(raw));
  }
}
