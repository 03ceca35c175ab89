import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export const API_DOCS_PATH = 'api/docs';

/** The OpenAPI document, generated from the controllers and DTOs (the committed apps/api/openapi.json). */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Extension Platform API')
    .setDescription(
      'Upload, verify and register extension bundles; manage identities and API keys; read the registry and the audit log. ' +
        'Errors always have the body {error: {code, message, details?}, requestId}.',
    )
    .setVersion(version)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'A session token from POST /api/auth/login, or an API key',
    })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
}

/** Interactive documentation at /api/docs (and the JSON at /api/docs-json). */
export function serveApiDocs(app: INestApplication, version: string): void {
  SwaggerModule.setup(API_DOCS_PATH, app, () => buildOpenApiDocument(app, version), {
    jsonDocumentUrl: `${API_DOCS_PATH}-json`,
  });
}
