import { isNonPublicAddress } from '@extplat/contracts';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { FetchRequest, FetchResult } from '../sandbox/types.js';

/** The guest's `http.fetch` request, and what it gets back: a response or a WIT `fetch-error` case. */
export type EgressRequest = FetchRequest;
export type EgressResult = FetchResult;

export type EgressDenialReason =
  'scheme' | 'not-allowlisted' | 'not-granted' | 'private-address' | 'unresolvable' | 'too-many-redirects';

export interface EgressSettings {
  /** EXT_EGRESS_ALLOWLIST: origins any extension may ever reach. */
  allowlist: readonly string[];
  /** Allowlisted origins that may resolve to non-public addresses. */
  allowPrivateOrigins: readonly string[];
  timeoutMs: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
  maxRedirects: number;
}

export interface EgressObserver {
  denied(reason: EgressDenialReason, origin: string): void;
  fetched?(origin: string, status: number, bytes: number): void;
}

/** Resolves a host name to every address it has (tests substitute their own resolver). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const defaultResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Request headers a guest may not set: the connection is ours. */
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

class Denied extends Error {
  constructor(
    readonly reason: EgressDenialReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one egress choke point. Every outgoing request of every extension goes through `fetch`, which
 * allows a URL only when its origin (scheme + host + port) is both in the platform's allowlist and in
 * the install's grant; resolves the host and refuses loopback, private and link-local addresses unless
 * that origin is explicitly allowed to reach them; connects to exactly the address it checked (no second
 * DNS lookup that could be rebound); caps the request and response sizes; and follows redirects itself,
 * checking every hop like the first request.
 */
export class EgressGate {
  private readonly allowlist: ReadonlySet<string>;
  private readonly allowPrivate: ReadonlySet<string>;

  constructor(
    private readonly settings: EgressSettings,
    private readonly observer: EgressObserver,
    private readonly resolve: Resolver = defaultResolver,
  ) {
    this.allowlist = new Set(settings.allowlist);
    this.allowPrivate = new Set(settings.allowPrivateOrigins);
  }

  async fetch(request: EgressRequest, grant: readonly string[], signal: AbortSignal): Promise<EgressResult> {
    if (request.body.length > this.settings.maxRequestBytes) return { ok: false, error: { tag: 'too-large' } };
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    let method = request.method.toUpperCase();
    let body = request.body;
    let headers = request.headers;
    let url: URL | undefined;
    let origin = '';
    try {
      url = this.parse(request.url);
      for (let hop = 0; ; hop++) {
        origin = url.origin;
        const address = await this.check(url, grant);
        const response = await this.send(url, address, method, headers, body, combined);
        const location = response.headers.location;
        if (REDIRECTS.has(response.status) && typeof location === 'string') {
          if (hop >= this.settings.maxRedirects) {
            throw new Denied('too-many-redirects', `more than ${this.settings.maxRedirects} redirects`);
          }
          // 303 always, and 301/302 after a POST, continue as a GET without a body (as browsers do).
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
            method = 'GET';
            body = new Uint8Array();
          }
          const next = this.parse(new URL(location, url).href);
          // Credentials meant for one origin never follow a redirect to another (as browsers do).
          if (next.origin !== url.origin) {
            headers = headers.filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase()));
          }
          url = next;
          continue;
        }
        this.observer.fetched?.(origin, response.status, response.body.length);
        return { ok: true, status: response.status, headers: response.headerList, body: response.body };
      }
    } catch (error) {
      if (error instanceof Denied) {
        this.observer.denied(error.reason, origin || url?.origin || '');
        return { ok: false, error: { tag: 'denied', val: error.message } };
      }
      if (error instanceof ResponseTooLarge) return { ok: false, error: { tag: 'too-large' } };
      if (timeout.aborted) return { ok: false, error: { tag: 'timeout' } };
      if (signal.aborted) return { ok: false, error: { tag: 'failed', val: 'the execution ended' } };
      return { ok: false, error: { tag: 'failed', val: error instanceof Error ? error.message : String(error) } };
    }
  }

  private parse(raw: string): URL {
    if (!URL.canParse(raw)) throw new Denied('scheme', 'not an absolute URL');
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Denied('scheme', `scheme ${url.protocol} is not allowed (http and https only)`);
    }
    if (url.username || url.password) throw new Denied('scheme', 'credentials in the URL are not allowed');
    return url;
  }

  /** Checks the origin and the address it resolves to; returns the one address to connect to. */
  private async check(url: URL, grant: readonly string[]): Promise<{ address: string; family: number }> {
    const origin = url.origin;
    if (!this.allowlist.has(origin)) {
      throw new Denied('not-allowlisted', `${origin} is not in the platform's egress allowlist`);
    }
    if (!grant.includes(origin)) throw new Denied('not-granted', `${origin} is not granted to this install`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: { address: string; family: number }[];
    if (isIP(host)) {
      addresses = [{ address: host, family: isIP(host) }];
    } else {
      try {
        addresses = await this.resolve(host);
      } catch {
        throw new Denied('unresolvable', `${host} does not resolve`);
      }
      if (addresses.length === 0) throw new Denied('unresolvable', `${host} does not resolve`);
    }
    if (!this.allowPrivate.has(origin)) {
      // Every answer must be public: a mixed answer is how rebinding tricks start.
      const bad = addresses.find((entry) => isNonPublicAddress(entry.address));
      if (bad) {
        throw new Denied('private-address', `${host} resolves to ${bad.address}, a non-public address`);
      }
    }
    return addresses[0]!;
  }

  private send(
    url: URL,
    pinned: { address: string; family: number },
    method: string,
    headers: [string, string][],
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<{
    status: number;
    headers: IncomingMessage['headers'];
    headerList: [string, string][];
    body: Uint8Array;
  }> {
    const outgoing: Record<string, string> = {};
    for (const [name, value] of headers) {
      const key = name.toLowerCase();
      if (!FORBIDDEN_REQUEST_HEADERS.has(key)) outgoing[key] = value;
    }
    if (body.length > 0) outgoing['content-length'] = String(body.length);
    // The connection goes to the address that was checked, whatever DNS says a moment later.
    const lookup: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (error: null, list: { address: string; family: number }[]) => void)(null, [pinned]);
      } else {
        callback(null, pinned.address, pinned.family);
      }
    };
    const options: RequestOptions = {
      method,
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      headers: outgoing,
      lookup,
      agent: false,
      signal,
    };
    const limit = this.settings.maxResponseBytes;
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(options, (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) {
          res.destroy();
          reject(new ResponseTooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            res.destroy();
            reject(new ResponseTooLarge());
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const headerList: [string, string][] = [];
          for (let index = 0; index < res.rawHeaders.length; index += 2) {
            headerList.push([res.rawHeaders[index]!.toLowerCase(), res.rawHeaders[index + 1]!]);
          }
          resolve({ status: res.statusCode ?? 502, headers: res.headers, headerList, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body.length > 0 ? Buffer.from(body.buffer, body.byteOffset, body.length) : undefined);
    });
  }
}

class ResponseTooLarge extends Error {}
