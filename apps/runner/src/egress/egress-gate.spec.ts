import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EgressDenialReason, EgressGate, type EgressSettings, type Resolver } from './egress-gate.js';

interface Upstream {
  origin: string;
  port: number;
  server: Server;
  seen: { url: string; headers: IncomingHttpHeaders; body: string }[];
}

/** A local HTTP server whose routes the tests define. */
async function upstream(
  routes: Record<string, (reply: (status: number, headers: Record<string, string>, body?: string) => void) => void>,
): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const route = routes[(req.url ?? '').split('?')[0]!];
      if (!route) {
        res.writeHead(404).end('no route');
        return;
      }
      route((status, headers, body) => res.writeHead(status, headers).end(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { origin: `http://127.0.0.1:${port}`, port, server, seen };
}

const empty = new Uint8Array();
const decoder = new TextDecoder();

describe('EgressGate', () => {
  let trusted: Upstream;
  let other: Upstream;
  const denials: { reason: EgressDenialReason; origin: string }[] = [];
  const observer = { denied: (reason: EgressDenialReason, origin: string) => denials.push({ reason, origin }) };

  beforeAll(async () => {
    trusted = await upstream({
      '/hello': (reply) => reply(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' }, 'hello from upstream'),
      '/big': (reply) => reply(200, { 'content-type': 'text/plain' }, 'x'.repeat(5000)),
      '/to-other': (reply) => reply(302, { location: `http://127.0.0.1:${other.port}/secret` }),
      '/to-metadata': (reply) => reply(307, { location: 'http://169.254.169.254/latest/meta-data/' }),
      '/to-hello': (reply) => reply(303, { location: '/hello' }),
      '/to-pinned': (reply) => reply(307, { location: `http://pinned.test:${trusted.port}/hello` }),
      '/loop': (reply) => reply(302, { location: '/loop' }),
      '/echo': (reply) => reply(200, {}, 'echoed'),
      '/hang': () => undefined,
    });
    other = await upstream({ '/secret': (reply) => reply(200, {}, 'internal data') });
  });

  afterAll(async () => {
    trusted.server.closeAllConnections();
    other.server.closeAllConnections();
    await Promise.all([trusted, other].map((u) => new Promise((resolve) => u.server.close(resolve))));
  });

  function gate(overrides: Partial<EgressSettings> = {}, resolver?: Resolver): EgressGate {
    return new EgressGate(
      {
        allowlist: [
          trusted.origin,
          other.origin,
          'http://169.254.169.254',
          'http://internal.test',
          'http://pinned.test:' + trusted.port,
        ],
        allowPrivateOrigins: [trusted.origin, 'http://pinned.test:' + trusted.port],
        timeoutMs: 2000,
        maxRequestBytes: 1024,
        maxResponseBytes: 4096,
        maxRedirects: 3,
        ...overrides,
      },
      observer,
      resolver,
    );
  }

  const get = (url: string, headers: [string, string][] = []) => ({ method: 'GET', url, headers, body: empty });

  it('fetches from an allowlisted, granted origin that is allowed to be private', async () => {
    const result = await gate().fetch(get(`${trusted.origin}/hello`), [trusted.origin], new AbortController().signal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.status).toBe(200);
    expect(decoder.decode(result.body)).toBe('hello from upstream');
    expect(result.headers).toContainEqual(['x-upstream', 'yes']);
  });

  it('refuses an origin that is not in the platform allowlist, even when granted', async () => {
    const before = denials.length;
    const result = await gate().fetch(
      get('http://127.0.0.1:1/x'),
      ['http://127.0.0.1:1'],
      new AbortController().signal,
    );
    expect(result).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('allowlist') } });
    expect(denials.slice(before)).toEqual([{ reason: 'not-allowlisted', origin: 'http://127.0.0.1:1' }]);
  });

  it('refuses an allowlisted origin that the install was not granted', async () => {
    const result = await gate().fetch(get(`${trusted.origin}/hello`), [], new AbortController().signal);
    expect(result).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('not granted') } });
    expect(trusted.seen.filter((s) => s.url === '/hello')).toHaveLength(1);
  });

  it('refuses loopback and link-local addresses of origins not allowed to be private', async () => {
    const before = denials.length;
    const loopback = await gate().fetch(get(`${other.origin}/secret`), [other.origin], new AbortController().signal);
    expect(loopback).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('non-public') } });
    const metadata = await gate().fetch(
      get('http://169.254.169.254/latest/meta-data/'),
      ['http://169.254.169.254'],
      new AbortController().signal,
    );
    expect(metadata).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('169.254.169.254') } });
    expect(denials.slice(before).map((d) => d.reason)).toEqual(['private-address', 'private-address']);
    expect(other.seen).toHaveLength(0);
  });

  it('refuses loopback written in the odd forms a URL parser normalises', async () => {
    const before = denials.length;
    const mapped = `http://[::ffff:7f00:1]:${other.port}`;
    const guarded = gate({ allowlist: [other.origin, mapped] });
    for (const url of [`http://2130706433:${other.port}/secret`, `http://0x7f.1:${other.port}/secret`]) {
      const result = await guarded.fetch(get(url), [other.origin], new AbortController().signal);
      expect(result).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('127.0.0.1') } });
    }
    const viaMapped = await guarded.fetch(
      get(`http://[::ffff:127.0.0.1]:${other.port}/secret`),
      [mapped],
      new AbortController().signal,
    );
    expect(viaMapped).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('non-public') } });
    expect(denials.slice(before).map((d) => d.reason)).toEqual([
      'private-address',
      'private-address',
      'private-address',
    ]);
    expect(other.seen).toHaveLength(0);
  });

  it('checks every redirect hop like the first request', async () => {
    const grant = [trusted.origin, other.origin, 'http://169.254.169.254'];
    const toOther = await gate().fetch(get(`${trusted.origin}/to-other`), grant, new AbortController().signal);
    expect(toOther).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('non-public') } });
    const toMetadata = await gate().fetch(get(`${trusted.origin}/to-metadata`), grant, new AbortController().signal);
    expect(toMetadata).toEqual({
      ok: false,
      error: { tag: 'denied', val: expect.stringContaining('169.254.169.254') },
    });
    expect(other.seen).toHaveLength(0);
    const redirected = await gate().fetch(
      { method: 'POST', url: `${trusted.origin}/to-hello`, headers: [], body: new TextEncoder().encode('payload') },
      grant,
      new AbortController().signal,
    );
    expect(redirected.ok && decoder.decode(redirected.body)).toBe('hello from upstream');
    const loop = await gate().fetch(get(`${trusted.origin}/loop`), grant, new AbortController().signal);
    expect(loop).toEqual({ ok: false, error: { tag: 'denied', val: 'more than 3 redirects' } });
  });

  it('keeps credentials on same-origin redirects and drops them on cross-origin ones', async () => {
    const resolver: Resolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const pinned = `http://pinned.test:${trusted.port}`;
    const withToken = (path: string) =>
      get(`${trusted.origin}${path}`, [
        ['authorization', 'Bearer upstream-token'],
        ['x-trace', 'kept'],
      ]);
    const same = await gate({}, resolver).fetch(withToken('/to-hello'), [trusted.origin], new AbortController().signal);
    expect(same.ok).toBe(true);
    expect(trusted.seen.at(-1)?.headers.authorization).toBe('Bearer upstream-token');
    const cross = await gate({}, resolver).fetch(
      withToken('/to-pinned'),
      [trusted.origin, pinned],
      new AbortController().signal,
    );
    expect(cross.ok).toBe(true);
    const last = trusted.seen.at(-1);
    expect(last?.headers.host).toBe(`pinned.test:${trusted.port}`);
    expect(last?.headers.authorization).toBeUndefined();
    expect(last?.headers['x-trace']).toBe('kept');
  });

  it('refuses a name that resolves to a private address, or to a mix', async () => {
    const resolver: Resolver = (host) =>
      Promise.resolve(
        host === 'internal.test'
          ? [
              { address: '93.184.216.34', family: 4 },
              { address: '10.0.0.7', family: 4 },
            ]
          : [],
      );
    const result = await gate({}, resolver).fetch(
      get('http://internal.test/'),
      ['http://internal.test'],
      new AbortController().signal,
    );
    expect(result).toEqual({
      ok: false,
      error: { tag: 'denied', val: 'internal.test resolves to 10.0.0.7, a non-public address' },
    });
  });

  it('connects to the address it checked, not to a second lookup', async () => {
    let lookups = 0;
    const resolver: Resolver = () => {
      lookups += 1;
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    };
    const origin = `http://pinned.test:${trusted.port}`;
    const result = await gate({}, resolver).fetch(
      get(`${origin}/hello`, [['Host', 'evil.test']]),
      [origin],
      new AbortController().signal,
    );
    expect(result.ok && decoder.decode(result.body)).toBe('hello from upstream');
    expect(lookups).toBe(1);
    // The guest cannot choose the Host header: the URL decides it.
    expect(trusted.seen.at(-1)?.headers.host).toBe(`pinned.test:${trusted.port}`);
  });

  it('caps the request and the response sizes', async () => {
    const tooBigRequest = await gate().fetch(
      { method: 'POST', url: `${trusted.origin}/echo`, headers: [], body: new Uint8Array(2048) },
      [trusted.origin],
      new AbortController().signal,
    );
    expect(tooBigRequest).toEqual({ ok: false, error: { tag: 'too-large' } });
    const tooBigResponse = await gate().fetch(
      get(`${trusted.origin}/big`),
      [trusted.origin],
      new AbortController().signal,
    );
    expect(tooBigResponse).toEqual({ ok: false, error: { tag: 'too-large' } });
  });

  it('times out a silent upstream and stops when the execution is aborted', async () => {
    const started = Date.now();
    const slow = await gate({ timeoutMs: 200 }).fetch(
      get(`${trusted.origin}/hang`),
      [trusted.origin],
      new AbortController().signal,
    );
    expect(slow).toEqual({ ok: false, error: { tag: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(1500);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await gate().fetch(get(`${trusted.origin}/hang`), [trusted.origin], controller.signal);
    expect(aborted).toEqual({ ok: false, error: { tag: 'failed', val: 'the execution ended' } });
  });

  it('refuses schemes other than http and https and credentials in the URL', async () => {
    const file = await gate().fetch(get('file:///etc/passwd'), ['file://'], new AbortController().signal);
    expect(file).toEqual({ ok: false, error: { tag: 'denied', val: expect.stringContaining('file:') } });
    const creds = await gate().fetch(
      get(`http://user:pw@127.0.0.1:${trusted.port}/hello`),
      [trusted.origin],
      new AbortController().signal,
    );
    expect(creds).toEqual({ ok: false, error: { tag: 'denied', val: 'credentials in the URL are not allowed' } });
  });
});
