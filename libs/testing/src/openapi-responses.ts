import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** The parts of an OpenAPI 3.0 document the response check reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

interface OperationResponse {
  content?: Record<string, { schema?: unknown }>;
}

interface Operation {
  operationId?: string;
  responses: Record<string, OperationResponse>;
}

interface PathTemplate {
  template: string;
  pattern: RegExp;
  /** Fewer parameters first: `/api/users/me` wins over `/api/users/{id}`. */
  parameterCount: number;
  operations: Record<string, Operation>;
}

/** A response as the check sees it: the status, the content type and the raw body text. */
export interface ObservedResponse {
  method: string;
  /** The path and query the request went to (the query is ignored). */
  url: string;
  status: number;
  contentType: string | null;
  hasRequestId: boolean;
  body: string;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * Statuses Node's HTTP server answers itself, before the application sees the request (a malformed request
 * line or body framing 400, a Content-Length over its limit 413, an unknown `Expect` 417, headers over the
 * size cap 431, an HTTP version it does not speak 505): no JSON body and no X-Request-Id. Such answers are
 * the only ones the check lets through without a documented operation and status.
 */
const PARSER_STATUSES = new Set([400, 413, 417, 431, 505]);

/** What a request that matches no operation may get: refused before routing, or not found. */
const BEFORE_ROUTING_STATUSES = new Set([400, 404, 405, 413, 415]);

/** Paths that are not the API: the console's static files (served from the same origin) and the docs UI. */
function isApiPath(path: string): boolean {
  if (path === '/api/docs' || path.startsWith('/api/docs/') || path === '/api/docs-json') return false;
  return path.startsWith('/api/') || path === '/api' || path === '/healthz' || path === '/readyz';
}

function templatePattern(template: string): RegExp {
  const segments = template.split('/').map((segment) => {
    const parameter = /^\{([^}]+)\}$/.exec(segment);
    if (!parameter) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return '[^/]+';
  });
  let source = segments.join('/');
  // The gateway's `{path}` is the rest of the URL: any number of segments, or none.
  if (template.endsWith('/{path}')) source = `${source.slice(0, -'/[^/]+'.length)}(?:/.*)?`;
  return new RegExp(`^${source}$`);
}

/**
 * Checks responses against an OpenAPI 3.0 document: the status must be documented for the operation (path
 * template + method), and a JSON body must match its schema. Returns the problems, empty when it conforms.
 */
export class OpenApiResponseCheck {
  private readonly ajv: Ajv;
  private readonly templates: PathTemplate[];
  private readonly validators = new Map<unknown, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    // OpenAPI 3.0 schemas: `nullable` is Ajv's own option; `example` is an annotation.
    this.ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
    this.ajv.addFormat('uuid', UUID);
    this.ajv.addFormat('date-time', {
      validate: (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
    });
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('password', true);
    this.ajv.addKeyword({ keyword: 'example' });
    this.ajv.addSchema(rebase({ components: document.components ?? {} }) as object, 'openapi.json');
    this.templates = Object.entries(document.paths)
      .map(([template, item]) => ({
        template,
        pattern: templatePattern(template),
        parameterCount: (template.match(/\{/g) ?? []).length,
        operations: Object.fromEntries(
          Object.entries(item).filter(([method]) => METHODS.has(method)) as [string, Operation][],
        ),
      }))
      .sort((a, b) => a.parameterCount - b.parameterCount);
  }

  /**
   * Whether answers to `path` are checked: not for the console's files or the docs UI, and not for the
   * gateway, whose answers are the extension's own (any status, any body; the document says so).
   */
  covers(path: string): boolean {
    return isApiPath(path) && !path.startsWith('/api/ext/');
  }

  problems(response: ObservedResponse): string[] {
    // The router is not strict: `/api/installs/` is `/api/installs`.
    const path = (response.url.split('?')[0] ?? '').replace(/(?<=.)\/$/, '');
    const method = response.method.toLowerCase();
    if (!this.covers(path)) return [];
    if (PARSER_STATUSES.has(response.status) && !response.hasRequestId && !isJson(response.contentType)) return [];
    const matching = this.templates.filter((candidate) => candidate.pattern.test(path));
    const found = matching.find((candidate) => candidate.operations[method]);
    const operation = found?.operations[method];
    if (!found || !operation) {
      // No such operation: the router's 404 (or 405 for a known path), or a refusal by the middleware that
      // runs before any route (body parsers, text rules), in the standard error body.
      const label = `${method.toUpperCase()} ${path} (no documented operation)`;
      if (!BEFORE_ROUTING_STATUSES.has(response.status)) {
        return [
          `${label} answered ${response.status}; an undocumented route may answer only 400, 404, 405, 413 or 415`,
        ];
      }
      return this.bodyProblems(label, response, { content: { 'application/json': { schema: ERROR_SCHEMA } } });
    }
    const label = `${method.toUpperCase()} ${found.template} (${operation.operationId ?? 'no operationId'})`;
    const status = String(response.status);
    const documented =
      operation.responses[status] ?? operation.responses[`${status[0] ?? ''}XX`] ?? operation.responses['default'];
    if (!documented) {
      return [
        `${label} answered ${status}, which the document does not list (documented: ${Object.keys(operation.responses).join(', ')}); body: ${response.body.slice(0, 300)}`,
      ];
    }
    if (method === 'head') return [];
    return this.bodyProblems(`${label} ${status}`, response, documented);
  }

  private bodyProblems(label: string, response: ObservedResponse, documented: OperationResponse): string[] {
    const content = documented.content;
    if (!content || Object.keys(content).length === 0) {
      return response.body === ''
        ? []
        : [`${label}: the document says no body, the answer has ${response.body.length} bytes`];
    }
    if (content['*/*'] && !content['application/json']) return [];
    const json = content['application/json'];
    if (!json) return [];
    if (!isJson(response.contentType)) {
      return [`${label}: the document says application/json, the answer is ${response.contentType ?? 'untyped'}`];
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [`${label}: the body is not JSON: ${response.body.slice(0, 200)}`];
    }
    if (json.schema === undefined) return [];
    const validate = this.validatorFor(json.schema);
    if (validate(body)) return [];
    return [
      `${label}: the body does not match its schema: ${describe(validate.errors)}; body: ${JSON.stringify(body).slice(0, 500)}`,
    ];
  }

  private validatorFor(schema: unknown): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema) as object);
      this.validators.set(schema, validate);
    }
    return validate;
  }
}

const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponse' };

/**
 * The schema in Ajv's terms: `#/components/...` references point at the document registered under
 * `openapi.json`, and `nullable: true` admits null whatever else the schema says. (@nestjs/swagger writes
 * a nullable reference as `{nullable: true, allOf: [{$ref}]}`, which generators such as openapi-typescript
 * read as `T | null`; a literal reading of the `allOf` would refuse the null the API sends.)
 */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (!schema || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const rebased = Object.fromEntries(
    Object.entries(rest).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? [key, `openapi.json${value}`]
        : [key, rebase(value)],
    ),
  );
  return nullable === true ? { anyOf: [{ type: 'null' }, rebased] } : rebased;
}

function isJson(contentType: string | null): boolean {
  return contentType !== null && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType);
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`).join('; ');
}

/**
 * A `fetch` whose every answer is checked against the document first: a status the operation does not list
 * or a body that does not match its schema throws, naming the operation, the status and the schema errors.
 * The answer itself is returned untouched (the check reads a clone).
 */
export function checkedFetch(check: OpenApiResponseCheck): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!check.covers(url.pathname)) return response;
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const problems = check.problems({
      method,
      url: url.pathname,
      status: response.status,
      contentType: response.headers.get('content-type'),
      hasRequestId: response.headers.has('x-request-id'),
      body: await response.clone().text(),
    });
    if (problems.length > 0) throw new Error(`the answer breaks the OpenAPI document:\n${problems.join('\n')}`);
    return response;
  };
}
