import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_EVENT_TYPES, type AuditEventType } from './audit-event.js';
import type { AuditEventEntity } from './audit-event.entity.js';

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

export class ListAuditEventsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (a sequence number)', example: '1200' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,15}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ enum: AUDIT_EVENT_TYPES })
  @IsOptional()
  @IsIn(AUDIT_EVENT_TYPES)
  type?: AuditEventType;

  @ApiPropertyOptional({ description: 'Events whose subject starts with this text', example: 'upload:' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  subject?: string;

  @ApiPropertyOptional({ description: 'Events that occurred at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: "Platform admins only: one tenant's events" })
  @IsOptional()
  @IsUUID()
  tenantId?: string;
}

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'api-key'] }) kind!: string;
  @ApiProperty() id!: string;
  @ApiProperty({ description: "The user's email or the API key's name" }) name!: string;
}

export class AuditEventResponseDto {
  @ApiProperty({ type: 'integer', description: 'Position in the chain' }) seq!: number;
  @ApiProperty() id!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ enum: AUDIT_EVENT_TYPES }) type!: string;
  @ApiPropertyOptional({ type: AuditActorDto, nullable: true, description: 'Null for the platform itself' })
  actor!: AuditActorDto | null;
  @ApiPropertyOptional({ type: String, nullable: true }) tenantId!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'upload:6f1c…' }) subject!: string | null;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({ description: 'SHA-256 of this event and the previous hash' }) hash!: string;
  @ApiProperty() prevHash!: string;
}

export class AuditEventPageResponseDto {
  @ApiProperty({ type: [AuditEventResponseDto] }) items!: AuditEventResponseDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toAuditEventResponse(row: AuditEventEntity): AuditEventResponseDto {
  return {
    seq: Number(row.seq),
    id: row.id,
    occurredAt: row.occurredAt.toISOString(),
    type: row.type,
    actor:
      row.actorKind !== null && row.actorId !== null && row.actorName !== null
        ? { kind: row.actorKind, id: row.actorId, name: row.actorName }
        : null,
    tenantId: row.tenantId,
    subject: row.subject,
    outcome: row.outcome,
    data: row.data,
    hash: row.hash,
    prevHash: row.prevHash,
  };
}
