import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { VersionDetailDto } from '../registry/registry.dto.js';

const CONTENT_HASH = /^sha256:[0-9a-f]{64}$/;

export class InitiateUploadDto {
  @ApiProperty({ example: 'com.acme.tickets-1.2.0.tar.zst' })
  @IsString()
  @MaxLength(255)
  @Matches(/\.(tar\.zst|tzst)$/, { message: 'filename must end in .tar.zst' })
  filename!: string;

  @ApiProperty({ type: 'integer', description: 'Bytes of the bundle; checked against the limit before any byte moves' })
  @IsInt()
  @Min(1)
  size!: number;

  @ApiPropertyOptional({
    example: 'sha256:9a5b…',
    description: 'Content hash, if known: lets the server skip content it has',
  })
  @IsOptional()
  @Matches(CONTENT_HASH, { message: 'sha256 must be "sha256:" followed by 64 lowercase hex digits' })
  sha256?: string;

  @ApiPropertyOptional({ enum: ['application/zstd', 'application/octet-stream'] })
  @IsOptional()
  @IsIn(['application/zstd', 'application/x-zstd', 'application/octet-stream'], {
    message: 'contentType must be application/zstd (a bundle is a .tar.zst)',
  })
  contentType?: string;

  @ApiPropertyOptional({
    enum: ['presigned-multipart', 'proxy'],
    description: 'Ask for a strategy; the server may not offer it',
  })
  @IsOptional()
  @IsIn(['presigned-multipart', 'proxy'])
  preferredStrategy?: 'presigned-multipart' | 'proxy';
}

export class InitiateUploadResponseDto {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Null when the strategy is "exists"' }) uploadId!:
    string | null;
  @ApiProperty({ enum: ['presigned-multipart', 'proxy', 'exists'] }) strategy!:
    'presigned-multipart' | 'proxy' | 'exists';
  @ApiProperty({ type: 'integer' }) partSize!: number;
  @ApiProperty({ type: 'integer' }) partCount!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: 'integer' }) maxBytes!: number;
  @ApiPropertyOptional({ type: VersionDetailDto, description: 'The registered version, when the strategy is "exists"' })
  version?: VersionDetailDto;
}

export class PresignPartsDto {
  @ApiProperty({ type: 'integer', isArray: true, minimum: 1, example: [1, 2, 3] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsInt({ each: true })
  @Min(1, { each: true })
  partNumbers!: number[];
}

export class PresignedPartDto {
  @ApiProperty({ type: 'integer' }) partNumber!: number;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: ['PUT'] }) method!: 'PUT';
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
  @ApiProperty({ type: 'integer', description: 'Exact byte length the part must have' }) size!: number;
  @ApiProperty() expiresAt!: string;
}

export class PresignPartsResponseDto {
  @ApiProperty({ type: [PresignedPartDto] }) parts!: PresignedPartDto[];
}

export class UploadedPartDto {
  @ApiProperty({ type: 'integer' }) partNumber!: number;
  @ApiProperty({ type: 'integer' }) size!: number;
  @ApiProperty() etag!: string;
}

export class UploadStatusDto {
  @ApiProperty() uploadId!: string;
  @ApiProperty({ enum: ['initiated', 'finalizing', 'completed', 'aborted', 'expired'] }) state!: string;
  @ApiProperty({ enum: ['presigned-multipart', 'proxy'] }) strategy!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ type: 'integer' }) size!: number;
  @ApiProperty({ type: 'integer' }) partSize!: number;
  @ApiProperty({ type: 'integer' }) partCount!: number;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ type: [UploadedPartDto], description: 'Parts the store holds (from ListParts)' })
  parts!: UploadedPartDto[];
  @ApiProperty({ type: 'integer' }) receivedBytes!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) contentHash!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) errorCode!: string | null;
}

export class ClientPartDto {
  @ApiProperty({ type: 'integer' }) @IsInt() @Min(1) partNumber!: number;
  @ApiProperty() @IsString() @MaxLength(200) etag!: string;
}

export class FinalizeUploadDto {
  @ApiProperty() @IsUUID() uploadId!: string;

  @ApiPropertyOptional({ type: [ClientPartDto], description: 'ETags the client saw; checked against the store' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => ClientPartDto)
  parts?: ClientPartDto[];

  @ApiPropertyOptional({ description: 'Expected content hash' })
  @IsOptional()
  @Matches(CONTENT_HASH, { message: 'sha256 must be "sha256:" followed by 64 lowercase hex digits' })
  sha256?: string;

  @ApiPropertyOptional({ description: 'The detached signature envelope (the .sig file), as JSON text' })
  @IsOptional()
  @IsString()
  @MaxLength(64 * 1024)
  signature?: string;
}

export class FinalizeResponseDto {
  @ApiProperty({ description: 'False when identical content was already registered (idempotent finalize)' })
  created!: boolean;
  @ApiProperty({ type: VersionDetailDto }) version!: VersionDetailDto;
}

export class AbortUploadDto {
  @ApiProperty() @IsUUID() uploadId!: string;
}

export class AbortResponseDto {
  @ApiProperty() uploadId!: string;
  @ApiProperty({ enum: ['aborted', 'completed', 'expired'] }) state!: string;
}

export class ProxyPartQueryDto {
  @ApiProperty() @IsUUID() uploadId!: string;
  @ApiProperty({ type: 'integer' }) @Type(() => Number) @IsInt() @Min(1) partNumber!: number;
}

export class ProxyPartResponseDto {
  @ApiProperty({ type: 'integer' }) partNumber!: number;
  @ApiProperty({ type: 'integer' }) size!: number;
  @ApiProperty() etag!: string;
}
