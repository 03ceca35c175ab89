import { defineErrorCodes } from '@extplat/server-core';

export const GatewayErrors = defineErrorCodes({
  /** The caller has no tenant (platform admins act across tenants and cannot call extensions). */
  TENANT_REQUIRED: 403,
  /** The caller's tenant has no install of this extension. */
  EXTENSION_NOT_INSTALLED: 404,
  /** Installed for the caller's tenant but disabled. */
  EXTENSION_DISABLED: 403,
  /** No endpoint declared in the manifest matches the method and path. */
  ENDPOINT_NOT_FOUND: 404,
  REQUEST_BODY_TOO_LARGE: 413,
  /** The client closed the connection before its request body was complete. */
  REQUEST_ABORTED: 400,
  /** More query parameters than an extension call carries (EXECUTE_REQUEST_LIMITS). */
  TOO_MANY_QUERY_PARAMETERS: 400,
  /** The path, or a query parameter's name or value, is longer than an extension call carries. */
  REQUEST_URI_TOO_LONG: 414,
  /** Too many forwarded headers, or one too long. */
  REQUEST_HEADERS_TOO_LARGE: 431,
  /** The extension did not answer in time (EXT_GATEWAY_TIMEOUT_MS, or its execution deadline). */
  EXTENSION_TIMEOUT: 504,
  /** The Runner answered with an error: the extension failed, or its bundle could not be used. */
  EXTENSION_FAILED: 502,
  /** The extension answered with something that is not a final HTTP response (a 1xx status, say). */
  INVALID_EXTENSION_RESPONSE: 502,
  /** The Runner could not be reached, died mid-call or gave an unreadable answer: retry shortly. */
  RUNNER_UNAVAILABLE: 503,
  /** The Runner has no worker free for this call within its queue budget; retry after `Retry-After`. */
  RUNNER_BUSY: 503,
});
