import { EXECUTE_REQUEST_LIMITS } from '@extplat/contracts';
import { DomainError } from '@extplat/server-core';
import { GatewayErrors } from './gateway.errors.js';

const { pathMaxChars, queryParamsMax, headersMax, nameMaxChars, valueMaxChars } = EXECUTE_REQUEST_LIMITS;

export interface ForwardedRequest {
  /** Below `/api/ext/{extensionId}`, still percent-encoded. */
  path: string;
  query: readonly [string, string][];
  headers: readonly [string, string][];
}

/**
 * Refuses, with a 4xx the caller can act on, a call the Runner would refuse: both sides read the same
 * {@link EXECUTE_REQUEST_LIMITS}, so the Runner's own check only ever catches a gateway bug.
 */
export function checkForwardedRequest({ path, query, headers }: ForwardedRequest): void {
  if (path.length > pathMaxChars) {
    throw new DomainError(GatewayErrors.REQUEST_URI_TOO_LONG, `The path is longer than ${pathMaxChars} characters`, {
      limit: pathMaxChars,
    });
  }
  if (query.length > queryParamsMax) {
    throw new DomainError(
      GatewayErrors.TOO_MANY_QUERY_PARAMETERS,
      `Extension calls take at most ${queryParamsMax} query parameters`,
      { limit: queryParamsMax, count: query.length },
    );
  }
  for (const [name, value] of query) {
    if (name.length > nameMaxChars || value.length > valueMaxChars) {
      throw new DomainError(
        GatewayErrors.REQUEST_URI_TOO_LONG,
        `Query parameter names are limited to ${nameMaxChars} characters and values to ${valueMaxChars}`,
        { parameter: name.slice(0, 64), nameLimit: nameMaxChars, valueLimit: valueMaxChars },
      );
    }
  }
  if (headers.length > headersMax) {
    throw new DomainError(
      GatewayErrors.REQUEST_HEADERS_TOO_LARGE,
      `At most ${headersMax} headers are passed to an extension`,
      { limit: headersMax, count: headers.length },
    );
  }
  for (const [name, value] of headers) {
    if (name.length > nameMaxChars || value.length > valueMaxChars) {
      throw new DomainError(
        GatewayErrors.REQUEST_HEADERS_TOO_LARGE,
        `Header ${name.slice(0, 64)} is too large: values passed to an extension are limited to ${valueMaxChars} characters`,
        { header: name.slice(0, 64), nameLimit: nameMaxChars, valueLimit: valueMaxChars },
      );
    }
  }
}
