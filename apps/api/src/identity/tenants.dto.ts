import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../openapi.js';
import type { TenantEntity } from './tenant.entity.js';

export class CreateTenantDto {
  /** Same rule as the `tenants_slug_format` CHECK. */
  @ApiProperty({ example: 'acme', pattern: '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$' })
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/, {
    message: 'slug must be 3 to 64 lowercase letters, digits or inner hyphens',
  })
  slug!: string;

  @ApiProperty({ example: 'Acme Corp', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class UpdateTenantDto {
  @ApiProperty({ example: 'Acme Corporation', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class TenantIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class TenantResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class TenantListItemDto extends TenantResponseDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Users of the tenant, disabled ones included' })
  userCount!: number;
}

export class TenantPageDto {
  @ApiProperty({ type: [TenantListItemDto] }) items!: TenantListItemDto[];
  @ApiPropertyOptional({ type: String, nullable: true, description: 'null on the last page' }) nextCursor!:
    string | null;
}

export class ListTenantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'Only tenants whose slug or name starts with this text (case-insensitive)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export function toTenantResponse(tenant: TenantEntity): TenantResponseDto {
  return { id: tenant.id, slug: tenant.slug, name: tenant.name, createdAt: tenant.createdAt.toISOString() };
}
