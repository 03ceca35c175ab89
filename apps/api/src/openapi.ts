import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ApiPropertyOptional, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import {
  DEFAULT_PAGE_LIMIT,
  IS_PUBLIC,
  MAX_PAGE_LIMIT,
  registeredErrorCodes,
  statusForCode,
} from '@extplat/server-core';
import { REQUIRED_PERMISSION } from './access/authenticated.decorator.js';

export const API_DOCS_PATH = 'api/docs';

const API_ERRORS = 'extplat:api-errors';

/**
 * The domain error codes a route (or every route of a controller) can answer besides the ones every route
 * shares. The document maps each code to its registered status, so a route lists codes, never statuses.
 */
export const ApiErrors =
  (...codes: string[]): MethodDecorator & ClassDecorator =>
  (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder: object = descriptor ? (descriptor.value as object) : target;
    const declared = (Reflect.getMetadata(API_ERRORS, holder) as string[] | undefined) ?? [];
    Reflect.defineMetadata(API_ERRORS, [...declared, ...codes], holder);
  };

/** `limit` and `cursor` of every list route; the answer is `{items, nextCursor}`. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page; an unknown cursor is 400 INVALID_CURSOR' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  cursor?: string;
}

const TAGS: Record<string, string> = {
  auth: 'Sign in with a password, change it, and read who the presented credential is',
  'api-keys': 'Keys (extplat_...) for scripts and integrations, shown once and revoked for good',
  tenants: 'The customers of the platform; platform admins create them',
  users: 'People who sign in to the console, with a role in a tenant (or on the platform)',
  uploads: 'Resumable bundle uploads (presigned multipart or through the API) and their finalization',
  registry: 'Published extensions and their versions; yanking a version',
  installs: "A tenant's installs: state, version, configuration and secrets",
  audit: 'The tamper-evident audit log',
  gateway: "Calls to an installed extension's declared endpoints, forwarded to the Runner",
  console: 'What the web console needs to know about this deployment',
  health: 'Probes for the orchestrator',
};

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed or fails validation',
  401: 'No valid credential was presented',
  403: 'The credential does not allow this',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflicts with the current state',
  410: 'Gone',
  412: 'Precondition failed',
  413: 'The request body is too large',
  414: 'The request URI is too long',
  415: 'The request body has an unsupported media type',
  416: 'Range not satisfiable',
  422: 'The request is well-formed but cannot be processed',
  429: 'Too many requests; retry after Retry-After seconds',
  431: 'Request headers too large',
  500: 'An unexpected error',
  502: 'The upstream answered with an error',
  503: 'A dependency is unavailable; retry after Retry-After seconds',
  504: 'The upstream did not answer in time',
};

const HEADERS = {
  'X-Request-Id': {
    description: 'Identifies the request in the logs (echoed when the client sent one)',
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  'WWW-Authenticate': { description: 'The Bearer challenge (RFC 6750)', schema: { type: 'string' } },
};

/**
 * Codes any route can answer: the router's own 400, and the edge rules and body parsers, which run before
 * routing on every request that carries a body, whatever its method (text, depth, size cap, media type and
 * charset: a body sent to a route that declares none is still parsed first).
 */
const EVERY_ROUTE = ['BAD_REQUEST', 'INVALID_TEXT', 'JSON_TOO_DEEP', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** Codes of a route that validates a body. */
const BODY_ROUTE = ['VALIDATION_FAILED'];
/** Codes of a route behind the guard: a credential that is missing, invalid or not allowed. */
const GUARDED_ROUTE = ['UNAUTHENTICATED', 'FORBIDDEN', 'SERVICE_UNAVAILABLE'];

interface RouteFacts {
  isPublic: boolean;
  codes: string[];
}

/** The access declaration and the declared error codes of every route handler, by operation id. */
function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller || typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const read = (key: string): unknown =>
          Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
        const codes = [
          ...((Reflect.getMetadata(API_ERRORS, controller) as string[] | undefined) ?? []),
          ...((Reflect.getMetadata(API_ERRORS, handler) as string[] | undefined) ?? []),
        ];
        const isPublic = read(IS_PUBLIC) === true && read(REQUIRED_PERMISSION) === undefined;
        facts.set(`${controller.name.replace(/Controller$/, '')}_${name}`, { isPublic, codes });
      }
    }
  }
  return facts;
}

type Json = Record<string, unknown>;

function humanize(code: string): string {
  const words = code.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function errorResponse(status: number, codes: string[]): Json {
  const headers: Json = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
  if (status === 429 || status === 503) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  if (status === 401) headers['WWW-Authenticate'] = { $ref: '#/components/headers/WWW-Authenticate' };
  const examples = Object.fromEntries(
    codes.map((code) => [
      code,
      {
        summary: humanize(code),
        value: {
          error: { code, message: `${humanize(code)} (the message says what and why)` },
          requestId: '5f0c6f2e-8d1a-4d3b-9a57-2b8f0f6f4c11',
        },
      },
    ]),
  );
  return {
    description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')}`,
    headers,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' }, examples } },
  };
}

function errorSchema(): Json {
  return {
    type: 'object',
    description: 'The body of every error answer',
    required: ['error', 'requestId'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: {
            type: 'string',
            description: 'Stable; a client switches on it',
            enum: registeredErrorCodes(),
          },
          message: { type: 'string', description: 'For people: what happened and what to do' },
          details: { type: 'object', additionalProperties: true, description: 'Facts specific to the code' },
        },
      },
      requestId: { type: 'string', nullable: true, description: 'The X-Request-Id of the request' },
    },
  };
}

/** Component schemas a request body reaches, directly or through nested properties and arrays. */
function requestSchemas(document: OpenAPIObject): Set<string> {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string') {
      const name = ref.replace('#/components/schemas/', '');
      if (found.has(name)) return;
      found.add(name);
      visit(schemas[name]);
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, Json>)) visit(operation['requestBody']);
  }
  return found;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Completes what the decorators cannot say per route: the shared error answers (by the route's access
 * declaration, its inputs and its declared codes), the security requirement, the headers and the
 * refusal of unknown properties the validation pipe enforces.
 */
function complete(document: OpenAPIObject, facts: Map<string, RouteFacts>): void {
  const components = (document.components ??= {});
  (components.schemas ??= {})['ErrorResponse'] = errorSchema();
  components.headers = HEADERS;
  for (const name of requestSchemas(document)) {
    const schema = components.schemas[name] as Json;
    if (schema['properties']) schema['additionalProperties'] = false;
  }
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(item as Record<string, Json>)) {
      if (!METHODS.includes(method)) continue;
      const operation = value;
      const id = operation['operationId'] as string;
      const route = facts.get(id);
      if (!route) throw new Error(`OpenAPI: no route handler found for operation ${id} (${method} ${path})`);
      const parameters = (operation['parameters'] as { in: string }[] | undefined) ?? [];
      const codes = new Set(EVERY_ROUTE);
      if (operation['requestBody']) for (const code of BODY_ROUTE) codes.add(code);
      if (parameters.some((parameter) => parameter.in === 'query' || parameter.in === 'path')) {
        codes.add('VALIDATION_FAILED');
      }
      if (parameters.some((parameter) => parameter.in === 'path')) codes.add('NOT_FOUND');
      if (!route.isPublic) for (const code of GUARDED_ROUTE) codes.add(code);
      for (const code of route.codes) codes.add(code);
      const byStatus = new Map<number, string[]>();
      for (const code of [...codes].sort()) {
        const status = statusForCode(code);
        if (status === undefined) throw new Error(`OpenAPI: ${id} declares ${code}, which no module registers`);
        byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
      }
      const responses = operation['responses'] as Record<string, Json>;
      for (const response of Object.values(responses)) {
        response['headers'] = {
          'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
          ...(response['headers'] as Json),
        };
      }
      for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
        responses[String(status)] = errorResponse(status, statusCodes);
      }
      operation['security'] = route.isPublic ? [] : [{ bearer: [] }, { 'api-key': [] }];
    }
  }
}

const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not-ready'] },
    checks: {
      type: 'object',
      description: 'One result per dependency',
      additionalProperties: {
        type: 'object',
        required: ['ok', 'latencyMs'],
        properties: {
          ok: { type: 'boolean' },
          latencyMs: { type: 'integer', minimum: 0 },
          error: { type: 'string' },
          note: { type: 'string' },
        },
      },
    },
  },
};

/**
 * The probes live in libs/server-core, which carries no OpenAPI decorators (the Runner serves them too):
 * their bodies (libs/contracts LivenessResponse, ReadinessResponse) are described here.
 */
function describeProbes(document: OpenAPIObject): void {
  const json = (schema: Json): Json => ({ 'application/json': { schema } });
  const liveness = document.paths['/healthz']?.get;
  if (liveness) {
    liveness.summary = 'Liveness: the process runs (no dependency is consulted)';
    liveness.responses['200'] = {
      description: 'Alive',
      content: json({ type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } }),
    } as never;
  }
  const readiness = document.paths['/readyz']?.get;
  if (readiness) {
    readiness.summary = 'Readiness: every dependency answered (503 names the ones that did not)';
    readiness.responses['200'] = { description: 'Ready', content: json(READINESS_SCHEMA) } as never;
    readiness.responses['503'] = { description: 'Not ready', content: json(READINESS_SCHEMA) } as never;
  }
}

const GATEWAY_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
export const GATEWAY_PATH = '/api/ext/{extensionId}/{path}';

/**
 * The gateway's route is a pattern (`/api/ext/:extensionId` and everything below it), which Nest's route
 * table cannot give the generator: it is described here from the gateway handlers' own declarations.
 */
function describeGateway(document: OpenAPIObject, facts: Map<string, RouteFacts>): void {
  const item: Json = {
    description:
      "Calls an endpoint an installed extension declares in its manifest, for the caller's tenant. `{path}` is " +
      'the rest of the URL and may hold slashes (or be empty: `/api/ext/{extensionId}`); the query and the body ' +
      "are forwarded. The answer is the extension's own (any status, any body), or a gateway error.",
    parameters: [
      {
        name: 'extensionId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The extension name',
      },
      {
        name: 'path',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The endpoint path below the extension, slashes included',
      },
    ],
  };
  for (const method of GATEWAY_METHODS) {
    const operationId = `Gateway_${method}`;
    if (!facts.has(operationId)) throw new Error(`OpenAPI: the gateway has no ${method} handler`);
    item[method] = {
      operationId,
      tags: ['gateway'],
      summary: `Call an extension endpoint (${method.toUpperCase()})`,
      ...(method === 'get' || method === 'delete'
        ? {}
        : {
            requestBody: {
              required: false,
              description: 'Forwarded to the extension as is',
              content: { '*/*': { schema: {} } },
            },
          }),
      responses: {
        '200': { description: "The extension's answer", content: { '*/*': { schema: {} } } },
        default: { description: "The extension's answer with another status", content: { '*/*': { schema: {} } } },
      },
    };
  }
  document.paths[GATEWAY_PATH] = item;
}

/** The OpenAPI document, generated from the controllers and DTOs (the committed apps/api/openapi.json). */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Extension Platform API')
    .setDescription(
      'Upload, verify and register extension bundles; manage identities and API keys; read the registry and the audit log. ' +
        'Errors always have the body ErrorResponse: {error: {code, message, details?}, requestId}. ' +
        'Lists answer {items, nextCursor} and take limit and cursor.',
    )
    .setVersion(version)
    .setLicense('UNLICENSED (proprietary)', 'https://extplat.example.com/license')
    .addServer('/', 'This deployment (the API and the console share one origin)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'A session token from POST /api/auth/login, or an API key (extplat_...)',
      },
      'bearer',
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An API key (extplat_...)' }, 'api-key');
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  const facts = routeFacts(app);
  describeProbes(document);
  describeGateway(document, facts);
  complete(document, facts);
  return document;
}

/** Interactive documentation at /api/docs (and the JSON at /api/docs-json). */
export function serveApiDocs(app: INestApplication, version: string): void {
  SwaggerModule.setup(API_DOCS_PATH, app, () => buildOpenApiDocument(app, version), {
    jsonDocumentUrl: `${API_DOCS_PATH}-json`,
  });
}
