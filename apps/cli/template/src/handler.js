// The extension's request handler, built into a WebAssembly component by `extctl build`.
// The platform's gateway matches the request against manifest.json's api.endpoints and passes the
// matched handler's name in the request context; every import below needs its capability in the manifest.
import { log } from 'extplat:extension/log@1.0.0';
import { getConfig, getContext } from 'extplat:extension/context@1.0.0';
import { get as getSecret } from 'extplat:extension/secrets@1.0.0';
import { fetch as httpFetch } from 'extplat:extension/http@1.0.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(status, value) {
  return {
    status,
    headers: [['content-type', 'application/json; charset=utf-8']],
    body: encoder.encode(JSON.stringify(value)),
  };
}

const handlers = {
  // GET /greeting: a greeting from the install's configuration, for the calling tenant and user.
  greeting(context) {
    const config = JSON.parse(getConfig());
    const greeting = typeof config.greeting === 'string' ? config.greeting : 'Hello';
    log('info', `greeting tenant ${context.tenantId}`);
    return json(200, {
      message: `${greeting} from {{displayName}}`,
      tenantId: context.tenantId,
      userId: context.userId ?? null,
      version: context.version,
    });
  },

  // GET /secret-status: whether the tenant admin has set the "api-token" secret (declared in manifest.json's
  // "secrets"; a renamed secret must be renamed there too). Never echo a secret.
  secretStatus() {
    const token = getSecret('api-token');
    log('debug', 'secret status requested');
    return json(200, { apiTokenConfigured: token !== undefined && token.length > 0 });
  },

  // GET /upstream: calls the install's configured upstreamUrl through the platform's egress choke point.
  // Its origin must be listed in manifest.json's "egress" and granted by the tenant admin at install.
  upstream() {
    const config = JSON.parse(getConfig());
    if (typeof config.upstreamUrl !== 'string') {
      return json(400, { error: 'set upstreamUrl in the install configuration' });
    }
    try {
      const response = httpFetch({
        method: 'GET',
        url: config.upstreamUrl,
        headers: [['accept', 'application/json']],
        body: new Uint8Array(),
      });
      log('info', `upstream answered ${response.status}`);
      return json(200, { upstreamStatus: response.status, body: decoder.decode(response.body).slice(0, 2000) });
    } catch (error) {
      // A refused or failed fetch arrives as the WIT fetch-error variant: { tag, val }.
      const reason = error && typeof error === 'object' && 'payload' in error ? error.payload : error;
      log('warn', `upstream call failed: ${JSON.stringify(reason)}`);
      return json(502, { error: 'upstream call failed', reason });
    }
  },
};

export function handle(request) {
  const context = getContext();
  const handler = handlers[context.handler];
  if (!handler) {
    log('warn', `no handler named ${context.handler} for ${request.method} ${request.path}`);
    return json(404, { error: 'not found' });
  }
  return handler(context, request);
}
