import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../openapi.js';
import type { ExtensionEntity, ExtensionVersionEntity } from './registry.entities.js';

export class ListExtensionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name, display name or description' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[a-z0-9-]{2,64}$/)
  publisher?: string;
}

export class ListVersionsQueryDto extends PageQueryDto {}

export class YankVersionDto {
  @ApiPropertyOptional({ maxLength: 500, description: 'Why the version must no longer be installed' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class SignatureCheckDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['pass', 'fail', 'skipped'] }) status!: string;
  @ApiPropertyOptional() code?: string;
  @ApiPropertyOptional() message?: string;
}

export class SignatureSummaryDto {
  @ApiProperty({ enum: ['verified', 'unsigned', 'not-checked'] }) status!: string;
  @ApiProperty({ enum: ['enforce', 'warn', 'off'] }) policy!: string;
  @ApiPropertyOptional({ description: 'Subject CN of the signing certificate' }) signer?: string;
  @ApiPropertyOptional({ description: 'SHA-256 fingerprint of the signing certificate' }) signerFingerprint?: string;
  @ApiProperty({ type: [SignatureCheckDto] }) checks!: SignatureCheckDto[];
}

export class EndpointDto {
  @ApiProperty() method!: string;
  @ApiProperty() path!: string;
  @ApiProperty() handler!: string;
}

export class VersionSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() version!: string;
  @ApiProperty({ example: 'sha256:9a5b…' }) contentHash!: string;
  @ApiProperty({ enum: ['published', 'yanked'] }) status!: string;
  @ApiProperty({ enum: ['verified', 'unsigned', 'not-checked'] }) signatureStatus!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) signer!: string | null;
  @ApiProperty({ type: 'integer' }) size!: number;
  @ApiProperty() publishedAt!: string;
}

export class VersionDetailDto extends VersionSummaryDto {
  @ApiProperty() extension!: string;
  @ApiProperty() publisher!: string;
  @ApiProperty({ type: 'integer' }) unpackedSize!: number;
  @ApiProperty() runtime!: string;
  @ApiProperty() entry!: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The UI entry (ui/index.html), if any' }) uiEntry!:
    string | null;
  @ApiProperty({ type: [String] }) capabilities!: string[];
  @ApiProperty({ type: [String] }) egress!: string[];
  @ApiProperty({ type: [EndpointDto] }) endpoints!: EndpointDto[];
  @ApiProperty({ type: SignatureSummaryDto }) signature!: SignatureSummaryDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      "The validated manifest; its `config` schema keeps the author's property order (for versions published " +
      'before that order was recorded, object keys come ordered by length, then bytes)',
  })
  manifest!: Record<string, unknown>;
  @ApiProperty() publishedBy!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) yankedAt!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) yankedReason!: string | null;
}

export class ExtensionSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'com.acme.tickets' }) name!: string;
  @ApiProperty() publisher!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) displayName!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) description!: string | null;
  @ApiPropertyOptional({
    type: VersionSummaryDto,
    nullable: true,
    description: 'Newest published version (else the newest yanked)',
  })
  latestVersion!: VersionSummaryDto | null;
  @ApiProperty({ type: 'integer' }) versionCount!: number;
}

export class ExtensionPageDto {
  @ApiProperty({ type: [ExtensionSummaryDto] }) items!: ExtensionSummaryDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) nextCursor!: string | null;
}

export class VersionPageDto {
  @ApiProperty({ type: [VersionSummaryDto] }) items!: VersionSummaryDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toVersionSummary(version: ExtensionVersionEntity): VersionSummaryDto {
  return {
    id: version.id,
    version: version.version,
    contentHash: version.contentHash,
    status: version.status,
    signatureStatus: version.signatureStatus,
    signer: version.signer,
    size: version.size,
    publishedAt: version.publishedAt.toISOString(),
  };
}

export function toVersionDetail(extension: ExtensionEntity, version: ExtensionVersionEntity): VersionDetailDto {
  const verdict = version.signature as { status: string; policy: string; checks?: SignatureCheckDto[] };
  return {
    ...toVersionSummary(version),
    extension: extension.name,
    publisher: version.publisher,
    unpackedSize: version.unpackedSize,
    runtime: version.runtime,
    entry: version.entry,
    uiEntry: version.ui?.entry ?? null,
    capabilities: version.capabilities,
    egress: version.egress,
    endpoints: version.apiEndpoints,
    signature: {
      status: verdict.status,
      policy: verdict.policy,
      ...(version.signer ? { signer: version.signer } : {}),
      ...(version.signerFingerprint ? { signerFingerprint: version.signerFingerprint } : {}),
      checks: verdict.checks ?? [],
    },
    manifest: manifestInAuthorOrder(version),
    publishedBy: version.publishedBy,
    yankedAt: version.yankedAt?.toISOString() ?? null,
    yankedReason: version.yankedReason,
  };
}

/** The stored manifest, with the config schema as written (key order included) where it was recorded. */
function manifestInAuthorOrder(version: ExtensionVersionEntity): Record<string, unknown> {
  const manifest = version.manifest as unknown as Record<string, unknown>;
  return version.configSchema ? { ...manifest, config: version.configSchema } : manifest;
}
