import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import { ApiError } from './errors.js';
import type { paths } from './generated/openapi.js';

export type ExtplatClient = Client<paths>;

export const REQUEST_ID_HEADER = 'x-request-id';

/** A credential, or a function asked before every request (for a session token that can change). */
export type TokenSource = string | (() => string | null | undefined);

export interface ApiClientOptions {
  /** Where the API is, e.g. `https://extensions.example.com` (the paths start with `/api/`). */
  baseUrl: string;
  /** A session token (from sign-in) or an `extplat_` API key, sent as `Authorization: Bearer ...`. */
  token?: TokenSource;
  /** Makes the id sent as `X-Request-Id` (the API keeps it and logs with it); a random UUID by default. */
  requestId?: () => string;
  /** Replaces `globalThis.fetch`, e.g. to add retries or a proxy agent. */
  fetch?: ClientOptions['fetch'];
}

/** A client whose every call sends the credential and a request id; see `unwrap` for typed errors. */
export function createApiClient(options: ApiClientOptions): ExtplatClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  if (options.token !== undefined) client.use(authMiddleware(options.token));
  client.use(requestIdMiddleware(options.requestId));
  return client;
}

/** Sets `Authorization: Bearer <token>` unless the call set its own, or there is no token (signed out). */
export function authMiddleware(token: TokenSource): Middleware {
  return {
    onRequest({ request }) {
      const value = typeof token === 'function' ? token() : token;
      if (value && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${value}`);
      return request;
    },
  };
}

/**
 * Gives every request an `X-Request-Id` (unless it has one), so a failure the API never answered can
 * still be quoted by the id the API would have logged, and a failure it answered carries the same id.
 */
export function requestIdMiddleware(makeId: () => string = () => crypto.randomUUID()): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has(REQUEST_ID_HEADER)) request.headers.set(REQUEST_ID_HEADER, makeId());
      return request;
    },
  };
}

/** What every method of the client resolves to. */
export interface ClientResult<Data> {
  data?: Data;
  error?: unknown;
  response: Response;
}

/**
 * The data of a successful call, or an `ApiError` thrown for any other outcome: a non-2xx answer (with
 * the API's code, message, details and request id) or no answer at all (`NETWORK`, status 0).
 *
 *   const version = await unwrap(client.GET('/api/extensions/{name}/versions/{version}', { params }));
 */
export async function unwrap<Data>(call: Promise<ClientResult<Data>>): Promise<Data> {
  let result: ClientResult<Data>;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw ApiError.network(error);
  }
  const { response } = result;
  if (!response.ok) {
    throw ApiError.fromResponse(response.status, result.error, response.headers.get(REQUEST_ID_HEADER));
  }
  return result.data as Data;
}
