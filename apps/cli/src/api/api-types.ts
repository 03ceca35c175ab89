/**
 * The request and response shapes of the API routes extctl calls, as apps/api/openapi.json documents
 * them. The CLI may not import the API (apps never import each other) and libs/contracts does not carry
 * these shapes yet, so they are declared here, limited to the fields extctl reads; `api-routes.spec.ts`
 * checks every route and field name against the committed OpenAPI document so that drift fails a test.
 */

export type UploadStrategy = 'presigned-multipart' | 'proxy';

export interface InitiateUploadRequest {
  filename: string;
  size: number;
  sha256: string;
  preferredStrategy?: UploadStrategy;
}

export interface InitiateUploadResponse {
  uploadId: string | null;
  strategy: UploadStrategy | 'exists';
  partSize: number;
  partCount: number;
  expiresAt: string | null;
  maxBytes: number;
  version?: VersionDetail;
}

export interface PresignedPart {
  partNumber: number;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  size: number;
  expiresAt: string;
}

export interface PresignPartsResponse {
  parts: PresignedPart[];
}

export interface UploadedPart {
  partNumber: number;
  size: number;
  etag: string;
}

export interface UploadStatus {
  uploadId: string;
  state: 'initiated' | 'finalizing' | 'completed' | 'aborted' | 'expired';
  strategy: UploadStrategy;
  size: number;
  partSize: number;
  partCount: number;
  expiresAt: string;
  parts: UploadedPart[];
  receivedBytes: number;
  contentHash: string | null;
}

export interface FinalizeRequest {
  uploadId: string;
  parts?: { partNumber: number; etag: string }[];
  sha256?: string;
  signature?: string;
}

export interface SignatureSummary {
  status: string;
  policy: string;
  signer?: string;
  signerFingerprint?: string;
}

export interface VersionSummary {
  id: string;
  version: string;
  contentHash: string;
  status: string;
  signatureStatus: string;
  signer: string | null;
  size: number;
  publishedAt: string;
}

export interface VersionDetail extends VersionSummary {
  extension: string;
  publisher: string;
  capabilities: string[];
  egress: string[];
  signature: SignatureSummary;
}

export interface FinalizeResponse {
  created: boolean;
  version: VersionDetail;
}

export interface InstallPage {
  items: Install[];
  nextCursor: string | null;
}

export interface VersionPage {
  items: VersionSummary[];
  nextCursor: string | null;
}

export interface Grant {
  capabilities: string[];
  egress: string[];
}

export interface CreateInstallRequest {
  extensionId: string;
  version: string;
  tenantId?: string;
  grant: Grant;
  config?: Record<string, unknown>;
  enabled?: boolean;
}

export interface RequestedGranted {
  requested: string[];
  granted: string[];
}

export interface Install {
  id: string;
  tenantId: string;
  extension: { id: string; name: string; displayName: string | null };
  version: string;
  contentHash: string;
  versionStatus: string;
  enabled: boolean;
  capabilities: RequestedGranted;
  egress: RequestedGranted;
  config: Record<string, unknown>;
  configVersion: number;
}

export interface CreatedInstall extends Install {
  grantReport: { notGranted: Grant; notRequested: Grant };
}

export interface AddedRemoved {
  added: string[];
  removed: string[];
}

export interface VersionDiff {
  from: string;
  to: string;
  direction: 'upgrade' | 'rollback' | 'same';
  capabilities: AddedRemoved;
  egress: AddedRemoved;
  requiresApproval: boolean;
}

export interface SwitchVersionRequest {
  version: string;
  grant?: Grant;
}

export interface SwitchVersionResponse {
  install: Install;
  diff: VersionDiff;
}

/** The routes extctl calls, by the name the OpenAPI document gives their path. */
export const API_ROUTES = {
  initiateUpload: { method: 'POST', path: '/api/ext-bundles/initiate-upload' },
  presignParts: { method: 'POST', path: '/api/ext-bundles/uploads/{uploadId}/parts' },
  proxyPart: { method: 'PUT', path: '/api/ext-bundles/upload-proxy' },
  uploadStatus: { method: 'GET', path: '/api/ext-bundles/uploads/{uploadId}' },
  finalize: { method: 'POST', path: '/api/ext-bundles/finalize' },
  abort: { method: 'POST', path: '/api/ext-bundles/abort' },
  versions: { method: 'GET', path: '/api/extensions/{name}/versions' },
  version: { method: 'GET', path: '/api/extensions/{name}/versions/{version}' },
  installs: { method: 'GET', path: '/api/installs' },
  createInstall: { method: 'POST', path: '/api/installs' },
  installState: { method: 'PUT', path: '/api/installs/{installId}/state' },
  versionDiff: { method: 'GET', path: '/api/installs/{installId}/version-diff' },
  switchVersion: { method: 'PUT', path: '/api/installs/{installId}/version' },
  setSecret: { method: 'PUT', path: '/api/installs/{installId}/secrets/{name}' },
} as const satisfies Record<string, { method: string; path: string }>;

export type RouteName = keyof typeof API_ROUTES;

/** A route's path with its `{params}` filled in, each one URL-encoded. */
export function routePath(route: RouteName, params: Record<string, string> = {}): string {
  return API_ROUTES[route].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${route} needs the parameter ${name}`);
    return encodeURIComponent(value);
  });
}
