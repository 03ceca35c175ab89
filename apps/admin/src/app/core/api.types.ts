/**
 * The API's request and response shapes the console uses, as `apps/api/openapi.json` declares them
 * (schema names in the comments). libs/contracts holds only the transport-level types so far; these
 * belong there once the API's DTOs move into it.
 */
import type { ErrorResponse, Role } from '@extplat/contracts';

export type { ErrorResponse, Role };

/** PrincipalDto */
export interface Principal {
  kind: 'user' | 'api-key';
  id: string;
  tenantId: string | null;
  role: Role;
  name: string;
}

/** LoginResponseDto */
export interface LoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  principal: Principal;
}

export type SignatureStatus = 'verified' | 'unsigned' | 'not-checked';

/** VersionSummaryDto */
export interface VersionSummary {
  id: string;
  version: string;
  contentHash: string;
  status: 'published' | 'yanked';
  signatureStatus: SignatureStatus;
  signer?: string | null;
  size: number;
  publishedAt: string;
}

/** SignatureCheckDto */
export interface SignatureCheck {
  name: string;
  status: 'pass' | 'fail' | 'skipped';
  code?: string;
  message?: string;
}

/** EndpointDto */
export interface Endpoint {
  method: string;
  path: string;
  handler: string;
}

/** VersionDetailDto */
export interface VersionDetail extends VersionSummary {
  extension: string;
  publisher: string;
  unpackedSize: number;
  runtime: string;
  entry: string;
  uiEntry?: string | null;
  capabilities: string[];
  egress: string[];
  endpoints: Endpoint[];
  signature: {
    status: SignatureStatus;
    policy: 'enforce' | 'warn' | 'off';
    signer?: string;
    signerFingerprint?: string;
    checks: SignatureCheck[];
  };
  manifest: Record<string, unknown>;
  publishedBy: string;
  yankedAt?: string | null;
  yankedReason?: string | null;
}

/** ExtensionSummaryDto */
export interface ExtensionSummary {
  id: string;
  name: string;
  publisher: string;
  displayName?: string | null;
  description?: string | null;
  latestVersion?: VersionSummary | null;
  versionCount: number;
}

/** ExtensionPageDto, VersionPageDto, AuditEventPageResponseDto */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export type UploadStrategy = 'presigned-multipart' | 'proxy';

/** InitiateUploadResponseDto */
export interface InitiateUploadResponse {
  uploadId?: string | null;
  strategy: UploadStrategy | 'exists';
  partSize: number;
  partCount: number;
  expiresAt?: string | null;
  maxBytes: number;
  version?: VersionDetail;
}

/** PresignedPartDto */
export interface PresignedPart {
  partNumber: number;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  size: number;
  expiresAt: string;
}

/** UploadStatusDto */
export interface UploadStatus {
  uploadId: string;
  state: 'initiated' | 'finalizing' | 'completed' | 'aborted' | 'expired';
  strategy: UploadStrategy;
  filename: string;
  size: number;
  partSize: number;
  partCount: number;
  expiresAt: string;
  parts: { partNumber: number; size: number; etag: string }[];
  receivedBytes: number;
  contentHash?: string | null;
  errorCode?: string | null;
}

/** FinalizeResponseDto */
export interface FinalizeResponse {
  created: boolean;
  version: VersionDetail;
}

/** GrantDto */
export interface Grant {
  capabilities: string[];
  egress: string[];
}

/** RequestedGrantedDto */
export interface RequestedGranted {
  requested: string[];
  granted: string[];
}

/** InstallResponseDto */
export interface Install {
  id: string;
  tenantId: string;
  extension: { id: string; name: string; displayName?: string | null };
  version: string;
  contentHash: string;
  versionStatus: 'published' | 'yanked';
  enabled: boolean;
  capabilities: RequestedGranted;
  egress: RequestedGranted;
  config: Record<string, unknown>;
  configVersion: number;
  secrets: { name: string; updatedAt: string }[];
  ui?: { type: 'iframe'; entry: string; hooks?: { appMenu?: { label?: string } } } | null;
  installedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** CreateInstallDto */
export interface CreateInstallRequest {
  extensionId: string;
  version: string;
  tenantId?: string;
  grant: Grant;
  config?: Record<string, unknown>;
  enabled?: boolean;
}

/** AddedRemovedDto */
export interface AddedRemoved {
  added: string[];
  removed: string[];
}

/** VersionDiffDto */
export interface VersionDiff {
  from: string;
  to: string;
  direction: 'upgrade' | 'rollback' | 'same';
  capabilities: AddedRemoved;
  egress: AddedRemoved;
  requiresApproval: boolean;
}

/** TenantResponseDto */
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

/** ApiKeyResponseDto */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  tenantId: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** CreatedApiKeyResponseDto */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** AuditEventResponseDto */
export interface AuditEvent {
  seq: number;
  id: string;
  occurredAt: string;
  type: string;
  actor?: { kind: 'user' | 'api-key'; id: string; name: string } | null;
  tenantId?: string | null;
  subject?: string | null;
  outcome: 'success' | 'failure';
  data: Record<string, unknown>;
}

/** `GET /api/console-config`: what the console needs to know about the deployment. */
export interface ConsoleConfig {
  runnerPublicBase: string;
}
