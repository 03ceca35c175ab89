import {
  createApiClient,
  parseErrorBody,
  REQUEST_ID_HEADER,
  type ClientResult,
  type ExtplatClient,
} from '@extplat/api-client';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { apiFailure } from './api-errors.js';
import {
  abortReason,
  backoffDelay,
  DEFAULT_RETRY,
  isAbortError,
  isNetworkError,
  isRetryableStatus,
  sleep,
  type RetryPolicy,
} from './retry.js';

/** Where the API is and the key to call it with. */
export interface ApiConnection {
  baseUrl: string;
  apiKey: string;
}

export interface ApiOptions {
  api?: string;
  apiKey?: string;
}

/** Adds --api and --api-key to a command; the environment supplies them in CI, where argv may be logged. */
export function withApiOptions(command: Command): Command {
  return command
    .option('--api <url>', 'API base URL, e.g. https://extensions.example.com (env EXTCTL_API_URL)')
    .option('--api-key <key>', 'API key (env EXTCTL_API_KEY, preferred: argv is visible to other users)');
}

/**
 * The connection from the options, else from EXTCTL_API_URL and EXTCTL_API_KEY. The key is only ever
 * put in the Authorization header: no message, result or state file carries it.
 */
export function resolveConnection(options: ApiOptions, env: NodeJS.ProcessEnv): ApiConnection {
  const api = options.api ?? env['EXTCTL_API_URL'];
  const apiKey = options.apiKey ?? env['EXTCTL_API_KEY'];
  if (!api)
    throw new CliError(
      ExitCode.USAGE,
      'the API URL is missing: pass --api <url> or set EXTCTL_API_URL',
      'MISSING_API_URL',
    );
  if (!apiKey)
    throw new CliError(
      ExitCode.USAGE,
      'the API key is missing: set EXTCTL_API_KEY or pass --api-key',
      'MISSING_API_KEY',
    );
  return { baseUrl: normaliseBaseUrl(api), apiKey };
}

export function normaliseBaseUrl(api: string): string {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new CliError(ExitCode.USAGE, `--api must be an http(s) URL, not "${api}"`, 'INVALID_OPTION');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(ExitCode.USAGE, `--api must be an http(s) URL, not "${api}"`, 'INVALID_OPTION');
  }
  url.search = '';
  url.hash = '';
  // Every route extctl calls starts with /api: a URL given with it (as the console's address bar shows
  // API calls) would otherwise make /api/api/... Every trailing /api goes, not just one, so that a
  // normalised URL normalises to itself: a recorded upload's API is compared in this form.
  let path = url.pathname;
  for (let shorter = trimApiSuffix(path); shorter !== path; shorter = trimApiSuffix(path)) path = shorter;
  url.pathname = path;
  return url.toString().replace(/\/+$/, '');
}

/** The same API, however each URL was written (with or without /api, a trailing slash, a default port...). */
export function sameApi(a: string, b: string): boolean {
  return normaliseBaseUrl(a) === normaliseBaseUrl(b);
}

function trimApiSuffix(path: string): string {
  return path.replace(/\/+$/, '').replace(/\/api$/, '');
}

/** What `ApiClient.call` hands the generated client's method: the abort signal and the retrying fetch. */
export interface CallInit {
  signal?: AbortSignal;
  fetch: (request: Request) => Promise<Response>;
}

export interface CallOptions {
  /**
   * Whether a network error or a transient status may be answered by sending again; by default GET and
   * PUT only. Off for requests that create something (initiate-upload, install): a lost answer would make
   * a second one.
   */
  retry?: boolean;
}

/**
 * Calls to the API through the client generated from its OpenAPI document (`@extplat/api-client`), with
 * the key, retries of transient failures and errors mapped to extctl's exit codes.
 */
export class ApiClient {
  private readonly client: ExtplatClient;

  constructor(
    readonly connection: ApiConnection,
    private readonly signal?: AbortSignal,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.client = createApiClient({ baseUrl: connection.baseUrl, token: connection.apiKey });
  }

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(`${this.connection.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    return url.toString();
  }

  get authorization(): string {
    return `Bearer ${this.connection.apiKey}`;
  }

  /**
   * One call, typed by the document; `what` names it in error messages ("finalize", "install"...):
   *
   *   await api.call('finalize', (client, init) => client.POST('/api/ext-bundles/finalize', { ...init, body }));
   */
  async call<Data>(
    what: string,
    send: (client: ExtplatClient, init: CallInit) => Promise<ClientResult<Data>>,
    options: CallOptions = {},
  ): Promise<Data> {
    const init: CallInit = {
      ...(this.signal ? { signal: this.signal } : {}),
      fetch: (request) => this.fetchWithRetries(request, options.retry),
    };
    const { data, error, response } = await send(this.client, init);
    if (!response.ok) {
      if (isUnknownRoute(response.status, error)) throw notTheApi(this.connection.baseUrl, response.url);
      throw apiFailure(response.status, error, what, response.headers.get(REQUEST_ID_HEADER));
    }
    return data as Data;
  }

  private async fetchWithRetries(request: Request, retry?: boolean): Promise<Response> {
    const retries = retry ?? (request.method === 'GET' || request.method === 'PUT');
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        // Every try sends a copy: a body can be read only once.
        response = await fetch(request.clone());
      } catch (error) {
        if (isAbortError(error) || this.signal?.aborted) throw abortReason(this.signal);
        if (retries && isNetworkError(error) && attempt < this.policy.retries) {
          await sleep(backoffDelay(attempt + 1, this.policy), this.signal);
          continue;
        }
        throw unreachable(this.connection.baseUrl, error);
      }
      if (retries && isRetryableStatus(response.status) && attempt < this.policy.retries) {
        const wait = retryAfterMs(response, await readBody(response));
        await sleep(wait ?? backoffDelay(attempt + 1, this.policy), this.signal);
        continue;
      }
      return response;
    }
  }
}

/**
 * A 404 for a route the server does not have at all ("Cannot POST /api/..."), rather than for a missing
 * extension or version: the API has every route extctl calls, so this server is something else.
 */
function isUnknownRoute(status: number, body: unknown): boolean {
  if (status !== 404) return false;
  const parsed = parseErrorBody(body);
  return parsed === null || (parsed.error.code === 'NOT_FOUND' && /^Cannot [A-Z]+ \//.test(parsed.error.message));
}

function notTheApi(baseUrl: string, url: string): CliError {
  return new CliError(
    ExitCode.USAGE,
    `${baseUrl} is not the platform's API: it has no ${new URL(url).pathname}. ` +
      "Pass the API's URL with --api (or EXTCTL_API_URL): the address the console is served from, " +
      "not the Runner's (which serves extension UIs) and not the object store's",
    'NOT_THE_API',
    { api: baseUrl },
  );
}

/** The failure for an API that could not be reached at all. */
export function unreachable(baseUrl: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new CliError(ExitCode.NETWORK, `cannot reach the API at ${baseUrl} (${reason})`, 'API_UNREACHABLE');
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The wait a 429 or 503 asks for: Retry-After, or the API's `details.retryAfterSeconds`. */
function retryAfterMs(response: Response, body: unknown): number | undefined {
  const header = Number(response.headers.get('retry-after'));
  if (Number.isFinite(header) && header > 0) return Math.min(header, 60) * 1000;
  const seconds = parseErrorBody(body)?.error.details?.['retryAfterSeconds'];
  return typeof seconds === 'number' && seconds > 0 ? Math.min(seconds, 60) * 1000 : undefined;
}
