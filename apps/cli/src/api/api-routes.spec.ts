import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  API_ROUTES,
  routePath,
  type CreateInstallRequest,
  type FinalizeRequest,
  type Grant,
  type InitiateUploadRequest,
  type SwitchVersionRequest,
} from './api-types.js';

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

// The committed OpenAPI document of the API (read as data: the CLI never imports the API's code).
const openapi = JSON.parse(
  readFileSync(new URL('../../../api/openapi.json', import.meta.url), 'utf8'),
) as OpenApiDocument;

/**
 * Request fields extctl sends, typed so that adding a field to a request type without listing it here
 * fails to compile, and a field the API does not know fails this test.
 */
const initiate: Record<keyof InitiateUploadRequest, true> = {
  filename: true,
  size: true,
  sha256: true,
  preferredStrategy: true,
};
const finalize: Record<keyof FinalizeRequest, true> = { uploadId: true, parts: true, sha256: true, signature: true };
const createInstall: Record<keyof CreateInstallRequest, true> = {
  extensionId: true,
  version: true,
  tenantId: true,
  grant: true,
  config: true,
  enabled: true,
};
const grant: Record<keyof Grant, true> = { capabilities: true, egress: true };
const switchVersion: Record<keyof SwitchVersionRequest, true> = { version: true, grant: true };

describe('the API routes extctl calls', () => {
  it.each(Object.entries(API_ROUTES))('%s is in the OpenAPI document', (_name, route) => {
    expect(openapi.paths[route.path]?.[route.method.toLowerCase()]).toBeDefined();
  });

  it.each([
    ['InitiateUploadDto', initiate],
    ['FinalizeUploadDto', finalize],
    ['CreateInstallDto', createInstall],
    ['GrantDto', grant],
    ['SwitchVersionDto', switchVersion],
  ] as const)('sends only fields %s declares', (schema, fields) => {
    const declared = Object.keys(openapi.components.schemas[schema]?.properties ?? {});
    expect(declared).toEqual(expect.arrayContaining(Object.keys(fields)));
  });

  it('fills route parameters, encoded', () => {
    expect(routePath('versionDiff', { installId: 'a b' })).toBe('/api/installs/a%20b/version-diff');
    expect(() => routePath('uploadStatus')).toThrow(/needs the parameter uploadId/);
  });
});
