import { EXECUTE_REQUEST_LIMITS, isContentHash, type ExecuteClaims, type ExecuteRequestBody } from '@extplat/contracts';
import { DomainError } from '@extplat/server-core';
import { ExecuteErrors } from './execute.errors.js';

type Json = Record<string, unknown>;

function fail(path: string, rule: string): never {
  throw new DomainError(ExecuteErrors.INVALID_EXECUTE_REQUEST, `${path}: ${rule}`, { path });
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  return value as Json;
}

function string(value: unknown, path: string, max = 512): string {
  if (typeof value !== 'string' || value.length > max) fail(path, `must be a string of at most ${max} characters`);
  return value;
}

function pairs(value: unknown, path: string, max: number): [string, string][] {
  if (!Array.isArray(value) || value.length > max) fail(path, `must be a list of at most ${max} pairs`);
  return value.map((pair, index) => {
    if (!Array.isArray(pair) || pair.length !== 2) fail(`${path}[${index}]`, 'must be a [name, value] pair');
    return [
      string(pair[0], `${path}[${index}][0]`, EXECUTE_REQUEST_LIMITS.nameMaxChars),
      string(pair[1], `${path}[${index}][1]`, EXECUTE_REQUEST_LIMITS.valueMaxChars),
    ];
  });
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length > 64) fail(path, 'must be a list of at most 64 strings');
  return value.map((item, index) => string(item, `${path}[${index}]`));
}

/**
 * Reads a signed execute body. The signature already proved it comes from the gateway; these checks
 * keep a gateway bug from turning into a Runner crash, and name the field that was wrong.
 */
export function parseExecuteBody(raw: Buffer): ExecuteRequestBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    fail('body', 'must be JSON');
  }
  const body = object(parsed, 'body');
  const claims = object(body.claims, 'claims');
  const request = object(body.request, 'request');
  const contentHash = string(claims.contentHash, 'claims.contentHash', 71);
  if (!isContentHash(contentHash)) fail('claims.contentHash', 'must be sha256:<64 lowercase hex>');
  const deadlineMs = claims.deadlineMs;
  if (typeof deadlineMs !== 'number' || !Number.isInteger(deadlineMs) || deadlineMs < 1) {
    fail('claims.deadlineMs', 'must be a positive whole number');
  }
  const configVersion = claims.configVersion;
  if (typeof configVersion !== 'number' || !Number.isInteger(configVersion)) {
    fail('claims.configVersion', 'must be a whole number');
  }
  const sealed = claims.sealedSecrets;
  if (sealed !== null && typeof sealed !== 'string') fail('claims.sealedSecrets', 'must be a string or null');
  const userId = claims.userId;
  if (userId !== null && typeof userId !== 'string') fail('claims.userId', 'must be a string or null');
  const bodyB64 = string(request.bodyB64, 'request.bodyB64', 64 * 1024 * 1024);
  const path = string(request.path, 'request.path', EXECUTE_REQUEST_LIMITS.pathMaxChars);
  if (!path.startsWith('/')) fail('request.path', 'must start with /');
  const typedClaims: ExecuteClaims = {
    requestId: string(claims.requestId, 'claims.requestId', 128),
    tenantId: string(claims.tenantId, 'claims.tenantId', 64),
    installId: string(claims.installId, 'claims.installId', 64),
    extensionId: string(claims.extensionId, 'claims.extensionId', 128),
    version: string(claims.version, 'claims.version', 64),
    contentHash,
    userId: userId,
    handler: string(claims.handler, 'claims.handler', 128),
    params: pairs(claims.params, 'claims.params', EXECUTE_REQUEST_LIMITS.pathParamsMax),
    capabilities: strings(claims.capabilities, 'claims.capabilities'),
    egress: strings(claims.egress, 'claims.egress'),
    config: claims.config ?? {},
    configVersion: configVersion,
    sealedSecrets: sealed,
    deadlineMs: deadlineMs,
  };
  return {
    claims: typedClaims,
    request: {
      method: string(request.method, 'request.method', 16),
      path,
      query: pairs(request.query, 'request.query', EXECUTE_REQUEST_LIMITS.queryParamsMax),
      headers: pairs(request.headers, 'request.headers', EXECUTE_REQUEST_LIMITS.headersMax),
      bodyB64,
    },
  };
}
