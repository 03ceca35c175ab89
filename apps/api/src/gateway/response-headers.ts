import { type ExecuteResponseBody, isExtensionStatus } from '@extplat/contracts';
import { DomainError } from '@extplat/server-core';
import { GatewayErrors } from './gateway.errors.js';

/**
 * Headers an extension may set on its response. Everything else is dropped: transport headers (the
 * gateway owns the connection), cookies (the API's origin is the console's), and CORS or security
 * policy headers (the platform sets those).
 */
const ALLOWED_RESPONSE_HEADERS = new Set([
  'cache-control',
  'content-disposition',
  'content-language',
  'content-type',
  'etag',
  'expires',
  'last-modified',
  'location',
  'retry-after',
  'vary',
]);

/** Request headers passed to the extension. Credentials (authorization, cookies) never are. */
const FORWARDED_REQUEST_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'user-agent',
]);

const EXTENSION_HEADER = /^x-ext-[a-z0-9-]{1,64}$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function filterResponseHeaders(headers: readonly [string, string][]): [string, string][] {
  const kept: [string, string][] = [];
  for (const [rawName, value] of headers.slice(0, 64)) {
    const name = rawName.toLowerCase();
    if (
      (ALLOWED_RESPONSE_HEADERS.has(name) || EXTENSION_HEADER.test(name)) &&
      SAFE_VALUE.test(value) &&
      value.length <= 4096
    ) {
      kept.push([name, value]);
    }
  }
  return withPerCallerCaching(kept);
}

/** Directives that would let a shared cache keep a response; the gateway's URLs are the same for every tenant. */
const SHARED_CACHE_DIRECTIVES = new Set(['public', 's-maxage', 'proxy-revalidate']);

/** The credential headers that select the tenant, and so the response. */
const CALLER_HEADERS = ['authorization', 'x-api-key'];

/**
 * One URL answers differently per tenant and user, so no shared cache may keep an extension's response:
 * `public` and shared-cache directives are dropped, `private` is forced (unless the extension chose
 * `no-store`, also the default), and `Vary` names the credential headers.
 */
function withPerCallerCaching(headers: [string, string][]): [string, string][] {
  const directives = headers
    .filter(([name]) => name === 'cache-control')
    .flatMap(([, value]) => value.split(','))
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '')
    .filter((directive) => !SHARED_CACHE_DIRECTIVES.has(directive.split('=')[0]!.trim().toLowerCase()));
  const lower = directives.map((directive) => directive.toLowerCase());
  if (directives.length === 0) directives.push('no-store');
  else if (!lower.includes('no-store') && !lower.includes('private')) directives.unshift('private');
  const vary = headers
    .filter(([name]) => name === 'vary')
    .flatMap(([, value]) => value.split(','))
    .map((field) => field.trim())
    .filter((field) => field !== '');
  for (const name of CALLER_HEADERS) {
    if (!vary.some((field) => field === '*' || field.toLowerCase() === name)) vary.push(name);
  }
  return [
    ...headers.filter(([name]) => name !== 'cache-control' && name !== 'vary'),
    ['cache-control', directives.join(', ')],
    ['vary', vary.join(', ')],
  ];
}

export function forwardedRequestHeaders(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const forwarded: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !(FORWARDED_REQUEST_HEADERS.has(name) || EXTENSION_HEADER.test(name))) continue;
    for (const item of Array.isArray(value) ? value : [value]) forwarded.push([name, item]);
  }
  return forwarded;
}

/**
 * The caller's answer from the extension's: a final status (the Runner checks it too; a 1xx written as
 * the final answer would leave the caller's connection waiting), filtered headers, the decoded body.
 */
export function extensionResponse(
  extensionId: string,
  answer: ExecuteResponseBody,
): { status: number; headers: [string, string][]; body: Buffer } {
  if (!isExtensionStatus(answer.status)) {
    throw new DomainError(
      GatewayErrors.INVALID_EXTENSION_RESPONSE,
      `${extensionId} answered with status ${answer.status}, which is not a final HTTP response`,
    );
  }
  return {
    status: answer.status,
    headers: filterResponseHeaders(answer.headers),
    body: Buffer.from(answer.bodyB64, 'base64'),
  };
}
