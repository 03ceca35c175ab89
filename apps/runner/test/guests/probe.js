// Test guest for the Runner's sandbox: one behaviour per request path, chosen from the request itself
// (never from the request context, so tests can withhold cap:context.read). Built into a component by
// buildTestComponent (@extplat/testing) against the platform's WIT world.
import { log } from 'extplat:extension/log@1.0.0';
import { getConfig, getContext } from 'extplat:extension/context@1.0.0';
import { get as getSecret } from 'extplat:extension/secrets@1.0.0';
import { fetch as hostFetch } from 'extplat:extension/http@1.0.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Module state lives as long as the instance: it shows whether the host reused one.
let counter = 0;
const hoard = [];

function json(status, value) {
  return {
    status,
    headers: [['content-type', 'application/json']],
    body: encoder.encode(JSON.stringify(value)),
  };
}

function queryParam(request, name) {
  const entry = request.query.find(([key]) => key === name);
  return entry ? entry[1] : undefined;
}

const handlers = {
  '/ping': () => json(200, { ok: true }),

  '/echo': (request) =>
    json(200, {
      method: request.method,
      path: request.path,
      query: request.query,
      headers: request.headers,
      body: decoder.decode(request.body),
    }),

  '/context': () => json(200, getContext()),

  '/config': () => json(200, { config: JSON.parse(getConfig()) }),

  '/secret': (request) => {
    const value = getSecret(queryParam(request, 'name') ?? '');
    return json(200, { value: value ?? null });
  },

  '/log': (request) => {
    const count = Number(queryParam(request, 'count') ?? '0');
    if (count > 0) {
      for (let i = 0; i < count; i++) log('info', `line ${i}`);
    } else {
      for (const level of ['trace', 'debug', 'info', 'warn', 'error']) log(level, `${level} message`);
    }
    return json(200, { logged: true });
  },

  // The fetch result, or the error variant as {error: {tag, val?}}.
  '/fetch': (request) => {
    try {
      const response = hostFetch({
        method: queryParam(request, 'method') ?? 'GET',
        url: queryParam(request, 'url') ?? '',
        headers: [['x-probe', '1']],
        body: request.body,
      });
      return json(200, {
        status: response.status,
        headers: response.headers,
        bodyLength: response.body.length,
        body: decoder.decode(response.body.subarray(0, 1024)),
      });
    } catch (error) {
      return json(200, { error: error?.payload ?? String(error) });
    }
  },

  '/loop': () => {
    for (;;) counter++;
  },

  '/oom': () => {
    for (;;) hoard.push(new Uint8Array(1 << 20).fill(1));
  },

  '/throw': () => {
    throw new Error('probe failure');
  },

  '/counter': () => json(200, { counter }),

  '/bad-status': () => ({ status: 42, headers: [], body: new Uint8Array() }),

  '/status': (request) => ({
    status: Number(queryParam(request, 'code') ?? '200'),
    headers: [],
    body: new Uint8Array(),
  }),

  '/big-body': (request) => ({
    status: 200,
    headers: [],
    body: new Uint8Array(Number(queryParam(request, 'bytes') ?? '0')).fill(97),
  }),

  '/many-headers': (request) => ({
    status: 200,
    headers: Array.from({ length: Number(queryParam(request, 'count') ?? '0') }, (_, i) => [`x-h${i}`, 'v']),
    body: new Uint8Array(),
  }),

  '/clock': () => json(200, { now: Date.now(), random: Math.random() }),
};

export function handle(request) {
  counter++;
  const handler = handlers[request.path];
  return handler ? handler(request) : json(404, { error: `no handler for ${request.path}` });
}
