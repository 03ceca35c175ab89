import type { Schema } from './schema.js';

/*
 * Short names for the schemas callers use most, so code reads `Install` rather than
 * `Schema<'InstallResponseDto'>`. Aliases only: every shape comes from the generated document.
 */

export type AuditEvent = Schema<'AuditEventResponseDto'>;
export type AuditEventPage = Schema<'AuditEventPageResponseDto'>;
export type ConsoleConfig = Schema<'ConsoleConfigResponseDto'>;
export type CreateInstallRequest = Schema<'CreateInstallDto'>;
export type CreatedInstall = Schema<'CreatedInstallResponseDto'>;
export type ExtensionPage = Schema<'ExtensionPageDto'>;
export type ExtensionSummary = Schema<'ExtensionSummaryDto'>;
export type FinalizeRequest = Schema<'FinalizeUploadDto'>;
export type FinalizeResponse = Schema<'FinalizeResponseDto'>;
export type Grant = Schema<'GrantDto'>;
export type InitiateUploadRequest = Schema<'InitiateUploadDto'>;
export type InitiateUploadResponse = Schema<'InitiateUploadResponseDto'>;
export type Install = Schema<'InstallResponseDto'>;
export type PresignedPart = Schema<'PresignedPartDto'>;
export type SignatureCheck = Schema<'SignatureCheckDto'>;
export type SwitchVersionResponse = Schema<'SwitchVersionResponseDto'>;
export type UploadedPart = Schema<'UploadedPartDto'>;
export type UploadStatus = Schema<'UploadStatusDto'>;
export type UploadStrategy = UploadStatus['strategy'];
export type VersionDetail = Schema<'VersionDetailDto'>;
export type VersionDiff = Schema<'VersionDiffDto'>;
export type VersionPage = Schema<'VersionPageDto'>;
export type VersionSummary = Schema<'VersionSummaryDto'>;
export type LoginResponse = Schema<'LoginResponseDto'>;
export type Principal = Schema<'PrincipalDto'>;
export type Role = Principal['role'];
export type ApiKey = Schema<'ApiKeyResponseDto'>;
/** `POST /api/api-keys`: the only answer that carries the whole key. */
export type CreatedApiKey = Schema<'CreatedApiKeyResponseDto'>;
export type ApiKeyPage = Schema<'ApiKeyPageDto'>;
export type Tenant = Schema<'TenantResponseDto'>;
export type TenantPage = Schema<'TenantPageDto'>;
export type User = Schema<'UserResponseDto'>;
export type UserPage = Schema<'UserPageDto'>;
export type InstallPage = Schema<'InstallPageDto'>;
