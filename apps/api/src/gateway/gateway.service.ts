import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { ExecuteRequestBody } from '@extplat/contracts';
import {
  type CallLimiter,
  currentRequestContext,
  DomainError,
  sealForRunner,
  SharedState,
  statusForCode,
} from '@extplat/server-core';
import type { Principal } from '../access/principal.js';
import { API_CONFIG } from '../config/config.module.js';
import type { ApiConfig } from '../config/api-config.js';
import { type GatewayInstall, InstallsService } from '../installs/installs.service.js';
import { matchEndpoint, pathSegments } from './endpoint-match.js';
import { GatewayAudit } from './gateway-audit.js';
import { GatewayErrors } from './gateway.errors.js';
import { checkForwardedRequest } from './request-limits.js';
import { extensionResponse, forwardedRequestHeaders } from './response-headers.js';
import { RunnerPool } from '../runners/runner-pool.js';

export interface GatewayResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

const UNAUDITED: ReadonlySet<string> = new Set([GatewayErrors.TENANT_REQUIRED, GatewayErrors.EXTENSION_NOT_INSTALLED]);

/** How long a resolved install is reused. Changes made through this API instance invalidate it at once. */
const RESOLUTION_TTL_MS = 2000;

const EMPTY_BODY = Buffer.alloc(0);

async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () =>
    new DomainError(
      GatewayErrors.REQUEST_BODY_TOO_LARGE,
      `Request bodies sent to extensions are limited to ${limit} bytes`,
      {
        limit,
      },
    );
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  // A request with neither header has no body (RFC 9112 §6.3): most calls are GETs, spare them the stream.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    return EMPTY_BODY;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    // The client went away mid-body: its mistake, not ours (nothing is logged at error level, no 500).
    throw new DomainError(GatewayErrors.REQUEST_ABORTED, 'The request body ended before it was complete');
  }
  return Buffer.concat(chunks);
}

/**
 * `ALL /api/ext/{extensionId}/{path}` (ARCHITECTURE §8): the caller's tenant → its enabled install →
 * the declared endpoint → rate limit → body cap → a signed call to the Runner → filtered response →
 * audit event.
 */
@Injectable()
export class GatewayService {
  private readonly limiter: CallLimiter;
  private readonly resolutions = new Map<string, { install: GatewayInstall | null; expires: number }>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly installs: InstallsService,
    private readonly audit: GatewayAudit,
    private readonly runners: RunnerPool,
    sharedState: SharedState,
  ) {
    const perMinute = config.runner.gatewayRateLimitPerMinute;
    this.limiter = sharedState.callLimiter('gateway', perMinute);
    installs.onChange((tenantId, extensionName) => this.resolutions.delete(`${tenantId}\n${extensionName}`));
  }

  async handle(principal: Principal, extensionId: string, subPath: string, req: Request): Promise<GatewayResponse> {
    const started = performance.now();
    const requestId = currentRequestContext()?.requestId ?? randomUUID();
    const record = (outcome: 'success' | 'failure', data: Record<string, unknown>) =>
      this.audit.add({
        type: 'extension.call',
        actor: principal,
        tenantId: principal.tenantId,
        subject: `extension:${extensionId}`,
        outcome,
        data: {
          method: req.method,
          path: subPath.slice(0, 512),
          durationMs: Math.round(performance.now() - started),
          ...data,
        },
      });
    try {
      const response = await this.call(principal, extensionId, subPath, req, requestId);
      record(response.status < 500 ? 'success' : 'failure', { status: response.status });
      return response;
    } catch (error) {
      // Calls for extensions the tenant does not have are not audited: any caller could fill the log with
      // made-up names (the request log still has them). Everything past the install lookup is.
      if (error instanceof DomainError && UNAUDITED.has(error.code)) throw error;
      record('failure', {
        status: error instanceof DomainError ? (statusForCode(error.code) ?? 500) : 500,
        code: error instanceof DomainError ? error.code : 'INTERNAL_ERROR',
      });
      throw error;
    }
  }

  private async call(
    principal: Principal,
    extensionId: string,
    subPath: string,
    req: Request,
    requestId: string,
  ): Promise<GatewayResponse> {
    const tenantId = principal.tenantId;
    if (!tenantId) {
      throw new DomainError(
        GatewayErrors.TENANT_REQUIRED,
        'Extensions run for a tenant: call them as a user or with an API key of that tenant',
      );
    }
    const install = await this.resolve(tenantId, extensionId);
    if (!install) {
      throw new DomainError(GatewayErrors.EXTENSION_NOT_INSTALLED, `${extensionId} is not installed for your tenant`, {
        extensionId,
      });
    }
    if (!install.enabled) {
      throw new DomainError(
        GatewayErrors.EXTENSION_DISABLED,
        `${extensionId} is installed but disabled for your tenant; a tenant admin can enable it`,
        { extensionId },
      );
    }
    const query = new URLSearchParams(
      req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '',
    );
    const forwarded = { path: subPath, query: [...query.entries()], headers: forwardedRequestHeaders(req.headers) };
    checkForwardedRequest(forwarded);
    const segments = pathSegments(subPath);
    const match = segments && matchEndpoint(install.endpoints, req.method, segments);
    if (!match) {
      throw new DomainError(
        GatewayErrors.ENDPOINT_NOT_FOUND,
        `${extensionId} declares no endpoint for ${req.method} ${subPath}`,
        { method: req.method, path: subPath },
      );
    }
    await this.limiter.consume(`${tenantId}\n${extensionId}`);
    const body = await readBody(req, this.config.runner.gatewayMaxBodyBytes);
    const payload: ExecuteRequestBody = {
      claims: {
        requestId,
        tenantId,
        installId: install.installId,
        extensionId: install.extensionName,
        version: install.version,
        contentHash: install.contentHash,
        userId: principal.kind === 'user' ? principal.id : null,
        handler: match.endpoint.handler,
        params: match.params,
        capabilities: install.capabilities,
        egress: install.egress,
        config: install.config ?? {},
        configVersion: install.configVersion,
        sealedSecrets:
          Object.keys(install.secrets).length > 0
            ? sealForRunner(this.config.runner.sharedSecret, install.secrets)
            : null,
        deadlineMs: this.config.runner.gatewayTimeoutMs,
      },
      request: {
        method: req.method,
        ...forwarded,
        bodyB64: body.toString('base64'),
      },
    };
    // The Runner's own deadline is the gateway's timeout; the extra second lets its 504 arrive first.
    const answer = await this.runners.execute(payload, this.config.runner.gatewayTimeoutMs + 1000);
    switch (answer.kind) {
      case 'ok':
        return extensionResponse(extensionId, answer.body);
      case 'timeout':
        throw new DomainError(
          GatewayErrors.EXTENSION_TIMEOUT,
          `${extensionId} did not answer within ${this.config.runner.gatewayTimeoutMs} ms`,
          { timeoutMs: this.config.runner.gatewayTimeoutMs },
        );
      case 'unavailable':
      case 'unreachable':
        throw new DomainError(
          GatewayErrors.RUNNER_UNAVAILABLE,
          `The extension runner could not be reached: ${answer.message}`,
          // A Runner that went away is usually back within seconds (its supervisor restarts it).
          { retryAfterSeconds: 2 },
        );
      case 'error':
        if (answer.status === 503 && answer.error?.code === GatewayErrors.RUNNER_BUSY) {
          // Passed on, not turned into a 502: the call never ran, and retrying after Retry-After helps.
          const retryAfter = answer.error.details?.['retryAfterSeconds'];
          throw new DomainError(GatewayErrors.RUNNER_BUSY, `${extensionId} is busy: ${answer.error.message}`, {
            reason: answer.error.details?.['reason'] ?? null,
            retryAfterSeconds: typeof retryAfter === 'number' && retryAfter >= 1 ? Math.ceil(retryAfter) : 1,
          });
        }
        if (answer.status === 504) {
          throw new DomainError(
            GatewayErrors.EXTENSION_TIMEOUT,
            answer.error?.message ?? `${extensionId} did not answer in time`,
            { runnerCode: answer.error?.code },
          );
        }
        if (answer.error?.code === GatewayErrors.INVALID_EXTENSION_RESPONSE) {
          throw new DomainError(GatewayErrors.INVALID_EXTENSION_RESPONSE, answer.error.message);
        }
        if (answer.status === 503) {
          // The Runner cannot take the call right now (its store or cache volume): the caller may retry.
          const retryAfter = answer.error?.details?.['retryAfterSeconds'];
          throw new DomainError(
            GatewayErrors.RUNNER_UNAVAILABLE,
            answer.error?.message ?? 'The extension runner is unavailable',
            {
              runnerCode: answer.error?.code ?? null,
              retryAfterSeconds: typeof retryAfter === 'number' ? retryAfter : 2,
            },
          );
        }
        throw new DomainError(
          GatewayErrors.EXTENSION_FAILED,
          answer.error?.message ?? `The extension runner answered ${answer.status}`,
          { runnerCode: answer.error?.code ?? null, runnerStatus: answer.status, ...(answer.error?.details ?? {}) },
        );
    }
  }

  private async resolve(tenantId: string, extensionId: string): Promise<GatewayInstall | null> {
    const key = `${tenantId}\n${extensionId}`;
    const now = Date.now();
    const cached = this.resolutions.get(key);
    if (cached && cached.expires > now) return cached.install;
    const install = await this.installs.resolveForGateway(tenantId, extensionId);
    if (this.resolutions.size > 10_000) this.resolutions.clear();
    this.resolutions.set(key, { install, expires: now + RESOLUTION_TTL_MS });
    return install;
  }
}
