import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { KNOWN_CAPABILITIES } from '@extplat/bundle';
import { MAX_SECRET_BYTES, SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '@extplat/contracts';
import type { ExtensionVersionEntity } from '../registry/registry.entities.js';
import type { GrantResolution } from './install-grants.js';
import type { InstallEntity } from './install.entities.js';
import { missingRequiredSecrets } from './declared-secrets.js';
import type { SecretName } from './installs.repository.js';
import { PageQueryDto } from '../openapi.js';

const SEMVER_LIKE = /^[0-9A-Za-z.+-]{1,64}$/;

export class GrantDto {
  @ApiProperty({ type: [String], example: ['cap:log.emit', 'cap:http.fetch'], description: 'Capabilities granted' })
  @IsArray()
  @ArrayMaxSize(KNOWN_CAPABILITIES.length * 2)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  capabilities!: string[];

  @ApiProperty({ type: [String], example: ['https://api.example.com'], description: 'Egress origins granted' })
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  egress!: string[];
}

export class CreateInstallDto {
  @ApiProperty({ example: 'com.acme.tickets', description: "The extension's manifest name" })
  @IsString()
  @MaxLength(128)
  extensionId!: string;

  @ApiProperty({ example: '1.2.0', description: 'A published version of the extension' })
  @Matches(SEMVER_LIKE)
  version!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Platform admins: the tenant to install into (required)' })
  @IsOptional()
  @IsUUID()
  tenantId?: string;

  @ApiProperty({
    type: GrantDto,
    description: 'What the admin grants; the install gets what the version requests within it',
  })
  // ValidateNested alone lets a missing grant through.
  @IsObject()
  @ValidateNested()
  @Type(() => GrantDto)
  grant!: GrantDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Validated against the version's config schema; its defaults are applied",
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

/** How many extensions one list request may name: a page of the console's extension list, and then some. */
const MAX_LISTED_EXTENSIONS = 100;

export class ListInstallsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Platform admins: only this tenant's installs" })
  @IsOptional()
  @IsUUID()
  tenantId?: string;

  @ApiPropertyOptional({
    enum: ['apps'],
    description: '`apps`: only enabled installs whose version has a UI (what the console menu lists as apps)',
  })
  @IsOptional()
  @IsIn(['apps'])
  only?: 'apps';

  @ApiPropertyOptional({
    type: String,
    example: 'com.acme.tickets,com.acme.notes',
    description: `Only installs of these extensions: names separated by commas, at most ${MAX_LISTED_EXTENSIONS}`,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',') : value))
  @IsArray()
  @ArrayMaxSize(MAX_LISTED_EXTENSIONS)
  @MaxLength(128, { each: true })
  @Matches(/^[a-z0-9][a-z0-9.-]*$/, { each: true, message: 'extensions must be extension names separated by commas' })
  extensions?: string[];
}

export class InstallIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  installId!: string;
}

export class SecretParamsDto extends InstallIdParamsDto {
  @ApiProperty({ pattern: SECRET_NAME_PATTERN.source, example: 'API_TOKEN' })
  @Matches(SECRET_NAME_PATTERN, { message: `name must be ${SECRET_NAME_RULE}` })
  name!: string;
}

export class SetInstallStateDto {
  @ApiProperty({ description: 'The state to be in; setting the current state again changes nothing' })
  @IsBoolean()
  enabled!: boolean;
}

export class VersionDiffQueryDto {
  @ApiProperty({ example: '1.3.0' })
  @Matches(SEMVER_LIKE)
  version!: string;
}

export class SwitchVersionDto {
  @ApiProperty({ example: '1.3.0', description: 'Another published version of the same extension' })
  @Matches(SEMVER_LIKE)
  version!: string;

  @ApiPropertyOptional({
    type: GrantDto,
    description:
      'The grant for the target version, approving what it adds. Absent: the current grant carries over, and a ' +
      'target that requests more is refused with APPROVAL_REQUIRED',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => GrantDto)
  grant?: GrantDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "A new config for the target version; absent: the current one, re-validated against the target's schema",
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}

export class UpdateConfigDto {
  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  config!: Record<string, unknown>;
}

export class SetSecretDto {
  @ApiProperty({ description: `The value, at most ${MAX_SECRET_BYTES} bytes as UTF-8; never returned by any API` })
  @IsString()
  @MaxLength(MAX_SECRET_BYTES)
  value!: string;
}

export class InstallExtensionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'com.acme.tickets' }) name!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) displayName!: string | null;
}

export class RequestedGrantedDto {
  @ApiProperty({ type: [String], description: 'What the installed version requests' }) requested!: string[];
  @ApiProperty({ type: [String], description: 'What the install may use' }) granted!: string[];
}

export class SecretNameDto {
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class DeclaredSecretDto {
  @ApiProperty({ example: 'api-token', description: 'The name the handler reads (case-sensitive)' }) name!: string;
  @ApiPropertyOptional({ example: 'API token' }) title?: string;
  @ApiPropertyOptional() description?: string;
  @ApiProperty({ description: 'The extension cannot work without it' }) required!: boolean;
  @ApiProperty({ description: 'Whether the install has a value for it (the value is never returned)' }) set!: boolean;
}

export class InstallUiHooksDto {
  @ApiPropertyOptional({ type: 'object', properties: { label: { type: 'string' } } }) appMenu?: { label: string };
}

export class InstallUiDto {
  @ApiProperty({ enum: ['iframe'] }) type!: string;
  @ApiProperty({ example: 'ui/index.html' }) entry!: string;
  @ApiPropertyOptional({ type: InstallUiHooksDto }) hooks?: InstallUiHooksDto;
}

export class InstallResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ type: InstallExtensionDto }) extension!: InstallExtensionDto;
  @ApiProperty({ example: '1.2.0' }) version!: string;
  @ApiProperty({ example: 'sha256:9a5b…' }) contentHash!: string;
  @ApiProperty({ enum: ['published', 'yanked'], description: 'Yanked versions keep running where installed' })
  versionStatus!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: RequestedGrantedDto }) capabilities!: RequestedGrantedDto;
  @ApiProperty({ type: RequestedGrantedDto }) egress!: RequestedGrantedDto;
  @ApiProperty({ type: 'object', additionalProperties: true }) config!: Record<string, unknown>;
  @ApiProperty({ type: 'integer', description: 'Bumped by every change of version, grants, config, secrets or state' })
  configVersion!: number;
  @ApiProperty({ type: [SecretNameDto], description: 'Names only: values are never returned' })
  secrets!: SecretNameDto[];
  @ApiPropertyOptional({
    type: [DeclaredSecretDto],
    nullable: true,
    description:
      "The secrets the version's manifest declares, in its order; null when it declares none (then any name may " +
      'be set; otherwise only these, else SECRET_NOT_DECLARED)',
  })
  declaredSecrets!: DeclaredSecretDto[] | null;
  @ApiProperty({ type: [String], description: 'Declared as required and not set' })
  missingSecrets!: string[];
  @ApiPropertyOptional({ type: InstallUiDto, nullable: true, description: "The version's UI, if it has one" })
  ui!: InstallUiDto | null;
  @ApiProperty({ description: '`user:<id>` or `api-key:<id>`' }) installedBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class PermissionsDto {
  @ApiProperty({ type: [String] }) capabilities!: string[];
  @ApiProperty({ type: [String] }) egress!: string[];
}

export class GrantReportDto {
  @ApiProperty({ type: PermissionsDto, description: 'Requested by the version but not granted' })
  notGranted!: PermissionsDto;
  @ApiProperty({ type: PermissionsDto, description: 'Granted but never requested by the version (ignored)' })
  notRequested!: PermissionsDto;
}

export class InstallPageDto {
  @ApiProperty({ type: [InstallResponseDto] }) items!: InstallResponseDto[];
  @ApiPropertyOptional({ type: String, nullable: true, description: 'null on the last page' }) nextCursor!:
    string | null;
}

export class CreatedInstallResponseDto extends InstallResponseDto {
  @ApiProperty({ type: GrantReportDto }) grantReport!: GrantReportDto;
}

export class AddedRemovedDto {
  @ApiProperty({ type: [String], description: 'Requested by the target, not granted now' }) added!: string[];
  @ApiProperty({ type: [String], description: 'Granted now, no longer requested (dropped on switching)' })
  removed!: string[];
}

export class VersionDiffDto {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ enum: ['upgrade', 'rollback', 'same'] }) direction!: string;
  @ApiProperty({ type: AddedRemovedDto }) capabilities!: AddedRemovedDto;
  @ApiProperty({ type: AddedRemovedDto }) egress!: AddedRemovedDto;
  @ApiProperty({ description: 'The target adds capabilities or egress: switching needs a grant approving them' })
  requiresApproval!: boolean;
  @ApiProperty({
    type: [String],
    description: 'Secrets the target declares as required that the install has not set (switching is still allowed)',
  })
  missingSecrets!: string[];
}

export class SwitchVersionResponseDto {
  @ApiProperty({ type: InstallResponseDto }) install!: InstallResponseDto;
  @ApiProperty({ type: VersionDiffDto }) diff!: VersionDiffDto;
}

/** The view of an install: never a secret value, whatever the caller's role. */
export function toInstallResponse(install: InstallEntity, secrets: SecretName[]): InstallResponseDto {
  const version = required(install.version, 'version');
  const extension = required(install.extension, 'extension');
  const own = secrets.filter((secret) => secret.installId === install.id);
  const setNames = own.map((secret) => secret.name);
  const declared = version.manifest.secrets;
  return {
    id: install.id,
    tenantId: install.tenantId,
    extension: { id: extension.id, name: extension.name, displayName: extension.displayName },
    version: version.version,
    contentHash: version.contentHash,
    versionStatus: version.status,
    enabled: install.enabled,
    capabilities: { requested: version.capabilities, granted: install.capabilities },
    egress: { requested: version.egress, granted: install.egress },
    config: install.config,
    configVersion: install.configVersion,
    secrets: own.map((secret) => ({ name: secret.name, updatedAt: secret.updatedAt.toISOString() })),
    declaredSecrets: declared?.map((secret) => ({ ...secret, set: setNames.includes(secret.name) })) ?? null,
    missingSecrets: missingRequiredSecrets(declared, setNames),
    ui: uiOf(version),
    installedBy: install.installedBy,
    createdAt: install.createdAt.toISOString(),
    updatedAt: install.updatedAt.toISOString(),
  };
}

export function toGrantReport(resolution: GrantResolution): GrantReportDto {
  return { notGranted: resolution.notGranted, notRequested: resolution.notRequested };
}

function uiOf(version: ExtensionVersionEntity): InstallUiDto | null {
  if (!version.ui) return null;
  return { type: version.ui.type, entry: version.ui.entry, ...(version.ui.hooks ? { hooks: version.ui.hooks } : {}) };
}

function required<T>(value: T | undefined, name: string): T {
  // Every query behind a view joins these; a missing one is a programming error, not a request problem.
  if (value === undefined) throw new Error(`install loaded without its ${name}`);
  return value;
}
