import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { apiFailure } from './api-errors.js';
import { API_ROUTES, routePath, type RouteName } from './api-types.js';
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
  return url.toString().replace(/\/+$/, '');
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  json?: unknown;
  /**
   * Whether a network error or a transient status may be answered by sending again. Off for requests
   * that create something (initiate-upload, install): a lost answer would make a second one.
   */
  retry?: boolean;
  /** Names the call in error messages ("finalize", "install"...). */
  what?: string;
}

/** JSON calls to the API's routes, with the key, retries of transient failures and readable errors. */
export class ApiClient {
  constructor(
    readonly connection: ApiConnection,
    private readonly signal?: AbortSignal,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(`${this.connection.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    return url.toString();
  }

  get authorization(): string {
    return `Bearer ${this.connection.apiKey}`;
  }

  async call<T>(route: RouteName, options: CallOptions = {}): Promise<T> {
    const { method } = API_ROUTES[route];
    const url = this.url(routePath(route, options.params), options.query);
    const what = options.what ?? route;
    const retry = options.retry ?? (method === 'GET' || method === 'PUT');
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: this.authorization,
            accept: 'application/json',
            ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
          signal: this.signal,
        });
      } catch (error) {
        if (isAbortError(error) || this.signal?.aborted) throw abortReason(this.signal);
        if (retry && isNetworkError(error) && attempt < this.policy.retries) {
          await sleep(backoffDelay(attempt + 1, this.policy), this.signal);
          continue;
        }
        throw unreachable(this.connection.baseUrl, error);
      }
      const body = await readBody(response);
      if (response.ok) return body as T;
      if (retry && isRetryableStatus(response.status) && attempt < this.policy.retries) {
        await sleep(retryAfterMs(response, body) ?? backoffDelay(attempt + 1, this.policy), this.signal);
        continue;
      }
      throw apiFailure(response.status, body, what);
    }
  }
}

/** The failure for an API that could not be reached at all. */
export function unreachable(baseUrl: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new CliError(ExitCode.NETWORK, `cannot reach the API at ${baseUrl} (${reason})`, 'API_UNREACHABLE');
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return text;
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
  const details = (body as { error?: { details?: { retryAfterSeconds?: unknown } } } | undefined)?.error?.details;
  const seconds = details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.min(seconds, 60) * 1000 : undefined;
}
