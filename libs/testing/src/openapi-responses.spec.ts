import { OpenApiResponseCheck, type ObservedResponse, type OpenApiDocument } from './openapi-responses.js';

const document: OpenApiDocument = {
  paths: {
    '/api/users/{id}': {
      get: {
        operationId: 'Users_get',
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
          '404': { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } },
        },
      },
      delete: { operationId: 'Users_delete', responses: { '204': {} } },
    },
    '/api/users/me': {
      get: {
        operationId: 'Users_me',
        responses: { '200': { content: { 'application/json': { schema: { type: 'string' } } } } },
      },
    },
    '/api/ext/{extensionId}/{path}': { get: { operationId: 'Gateway_get', responses: { default: {} } } },
  },
  components: {
    schemas: {
      User: {
        type: 'object',
        required: ['id', 'tenantId', 'createdAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          tenantId: { type: 'string', nullable: true },
          createdAt: { type: 'string', format: 'date-time' },
          size: { type: 'integer' },
          manager: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Manager' }] },
        },
      },
      Manager: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      ErrorResponse: {
        type: 'object',
        required: ['error', 'requestId'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: ['NOT_FOUND', 'USER_NOT_FOUND'] },
              message: { type: 'string' },
            },
          },
          requestId: { type: 'string', nullable: true },
        },
      },
    },
  },
};

const check = new OpenApiResponseCheck(document);
const user = { id: '0b6f4a52-3c1e-4a8e-9f55-2f1d6c7b8a90', tenantId: null, createdAt: '2026-12-04T14:00:00.000Z' };

function answer(overrides: Partial<ObservedResponse>): ObservedResponse {
  return {
    method: 'GET',
    url: `/api/users/${user.id}`,
    status: 200,
    contentType: 'application/json; charset=utf-8',
    hasRequestId: true,
    body: JSON.stringify(user),
    ...overrides,
  };
}

describe('OpenApiResponseCheck', () => {
  it('accepts a documented status whose body matches the schema (nullable, formats, $ref)', () => {
    expect(check.problems(answer({}))).toEqual([]);
    expect(check.problems(answer({ method: 'DELETE', status: 204, body: '', contentType: null }))).toEqual([]);
  });

  it('refuses a status the operation does not document, naming the operation and the status', () => {
    const [problem] = check.problems(answer({ status: 409, body: '{}' }));
    expect(problem).toContain('GET /api/users/{id} (Users_get) answered 409');
  });

  it('refuses a body that does not match its schema, with the schema errors', () => {
    const [problem] = check.problems(answer({ body: JSON.stringify({ ...user, id: 'not-a-uuid', size: 1.5 }) }));
    expect(problem).toContain('Users_get) 200: the body does not match its schema');
    expect(problem).toContain('/id must match format "uuid"');
    expect(problem).toContain('/size must be integer');
  });

  it('refuses an error body with an unknown code, and a body where the document says none', () => {
    const unknownCode = JSON.stringify({ error: { code: 'SOMETHING', message: 'x' }, requestId: null });
    expect(check.problems(answer({ status: 404, body: unknownCode }))[0]).toContain(
      '/error/code must be equal to one of',
    );
    expect(check.problems(answer({ method: 'DELETE', status: 204, body: 'x' }))[0]).toContain('says no body');
  });

  it('reads a nullable reference ({nullable, allOf: [$ref]}) as the reference or null', () => {
    expect(check.problems(answer({ body: JSON.stringify({ ...user, manager: null }) }))).toEqual([]);
    expect(check.problems(answer({ body: JSON.stringify({ ...user, manager: { id: 'm' } }) }))).toEqual([]);
    expect(check.problems(answer({ body: JSON.stringify({ ...user, manager: { name: 'm' } }) }))[0]).toContain(
      "/manager must have required property 'id'",
    );
  });

  it('prefers a literal path segment to a parameter', () => {
    expect(check.problems(answer({ url: '/api/users/me', body: '"me"' }))).toEqual([]);
  });

  it('lets an undocumented route answer only a refusal before routing or 404/405, with the error body', () => {
    const notFound = JSON.stringify({
      error: { code: 'NOT_FOUND', message: 'No resource has this path' },
      requestId: 'r',
    });
    expect(check.problems(answer({ url: '/api/nothing', status: 404, body: notFound }))).toEqual([]);
    expect(check.problems(answer({ url: '/api/nothing', status: 200, body: '{}' }))[0]).toContain('may answer only');
    expect(check.problems(answer({ url: '/api/users//x', status: 401, body: notFound }))[0]).toContain(
      'may answer only',
    );
    expect(check.problems(answer({ url: `/api/users/${user.id}/`, body: JSON.stringify(user) }))).toEqual([]);
  });

  it("exempts only Node's parser answers (no request id, no JSON), the console's files and the gateway", () => {
    const parser = { status: 431, body: '', contentType: null, hasRequestId: false };
    expect(check.problems(answer(parser))).toEqual([]);
    expect(check.problems(answer({ ...parser, hasRequestId: true }))).not.toEqual([]);
    expect(
      check.problems(answer({ url: '/index.html', status: 200, body: '<html>', contentType: 'text/html' })),
    ).toEqual([]);
    expect(check.covers('/api/ext/hello/a/b')).toBe(false);
  });
});
