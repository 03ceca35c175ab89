import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { type CallLimiter, CommonErrors, DomainError, SharedState } from '@extplat/server-core';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';
import {
  AbortResponseDto,
  AbortUploadDto,
  FinalizeResponseDto,
  FinalizeUploadDto,
  InitiateUploadDto,
  InitiateUploadResponseDto,
  PresignPartsDto,
  PresignPartsResponseDto,
  ProxyPartQueryDto,
  ProxyPartResponseDto,
  UploadStatusDto,
} from './upload.dto.js';
import { UploadService } from './upload.service.js';
import { ApiErrors } from '../openapi.js';
import { SIGNING_ERROR_CODES } from '@extplat/signing';

const BINARY_TYPES = ['application/octet-stream', 'application/zstd', 'application/x-zstd'];

/** Routes of ARCHITECTURE §4, for platform admins; they only translate HTTP to the upload service. */
@ApiTags('uploads')
@ApiBearerAuth()
@Controller('api/ext-bundles')
export class UploadController {
  private readonly sessionCalls: CallLimiter;
  private readonly partCalls: CallLimiter;

  constructor(
    private readonly uploads: UploadService,
    @Inject(API_CONFIG) config: ApiConfig,
    sharedState: SharedState,
  ) {
    // Session-level calls are few per upload; part traffic is many per upload.
    const perMinute = config.upload.rateLimitPerMinute;
    this.sessionCalls = sharedState.callLimiter('upload-session', perMinute);
    this.partCalls = sharedState.callLimiter('upload-part', perMinute * 50);
  }

  @Post('initiate-upload')
  @Authenticated({ permission: Permission.BundleUpload })
  @ApiOperation({ summary: 'Start an upload: checks the size limit and picks the strategy (or "exists")' })
  @ApiCreatedResponse({ type: InitiateUploadResponseDto })
  @ApiErrors('RATE_LIMITED', 'BUNDLE_TOO_LARGE')
  async initiate(
    @CurrentPrincipal() principal: Principal,
    @Body() body: InitiateUploadDto,
  ): Promise<InitiateUploadResponseDto> {
    await this.sessionCalls.consume(principal.id);
    return this.uploads.initiate(principal, body);
  }

  @Post('uploads/:uploadId/parts')
  @HttpCode(200)
  @Authenticated({ permission: Permission.BundleUpload })
  @ApiOperation({ summary: 'Fresh presigned URLs for parts (presigned-multipart strategy)' })
  @ApiOkResponse({ type: PresignPartsResponseDto })
  @ApiErrors(
    'RATE_LIMITED',
    'UPLOAD_NOT_FOUND',
    'UPLOAD_NOT_OWNED',
    'UPLOAD_EXPIRED',
    'WRONG_STRATEGY',
    'UPLOAD_IN_PROGRESS',
    'INVALID_PART_NUMBER',
  )
  async presign(
    @CurrentPrincipal() principal: Principal,
    @Param('uploadId', ParseUUIDPipe) uploadId: string,
    @Body() body: PresignPartsDto,
  ): Promise<PresignPartsResponseDto> {
    await this.partCalls.consume(principal.id);
    return this.uploads.presignParts(principal, uploadId, body.partNumbers);
  }

  @Put('upload-proxy')
  @Authenticated({ permission: Permission.BundleUpload })
  @ApiOperation({ summary: 'Stream one part through the API (proxy strategy); the body is the raw bytes' })
  @ApiConsumes(...BINARY_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: ProxyPartResponseDto })
  @ApiErrors(
    'RATE_LIMITED',
    'UPLOAD_NOT_FOUND',
    'UPLOAD_NOT_OWNED',
    'UPLOAD_EXPIRED',
    'WRONG_STRATEGY',
    'UPLOAD_IN_PROGRESS',
    'INVALID_PART_NUMBER',
    'PART_SIZE_MISMATCH',
    'NOT_ZSTD',
    'REQUEST_ABORTED',
  )
  async proxy(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ProxyPartQueryDto,
    @Headers('content-type') contentType: string | undefined,
    @Req() request: Request,
  ): Promise<ProxyPartResponseDto> {
    await this.partCalls.consume(principal.id);
    const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!BINARY_TYPES.includes(type)) {
      throw new DomainError(
        CommonErrors.UNSUPPORTED_MEDIA_TYPE,
        `Send the part as ${BINARY_TYPES.join(' or ')}, not "${type || 'nothing'}"`,
      );
    }
    return this.uploads.proxyPart(principal, query.uploadId, query.partNumber, request);
  }

  @Get('uploads/:uploadId')
  @Authenticated({ permission: Permission.BundleUpload })
  @ApiOperation({ summary: 'State and stored parts of an upload, to resume it' })
  @ApiOkResponse({ type: UploadStatusDto })
  @ApiErrors('RATE_LIMITED', 'UPLOAD_NOT_FOUND', 'UPLOAD_NOT_OWNED', 'UPLOAD_EXPIRED')
  async status(
    @CurrentPrincipal() principal: Principal,
    @Param('uploadId', ParseUUIDPipe) uploadId: string,
  ): Promise<UploadStatusDto> {
    await this.partCalls.consume(principal.id);
    return this.uploads.status(uploadId);
  }

  @Post('finalize')
  @HttpCode(200)
  @Authenticated({ permission: Permission.BundleUpload })
  @ApiOperation({ summary: 'Verify the uploaded bundle and register its version (idempotent for identical content)' })
  @ApiOkResponse({ type: FinalizeResponseDto })
  @ApiErrors(
    'RATE_LIMITED',
    'UPLOAD_NOT_FOUND',
    'UPLOAD_NOT_OWNED',
    'UPLOAD_EXPIRED',
    'UPLOAD_IN_PROGRESS',
    'UPLOAD_INCOMPLETE',
    'HASH_MISMATCH',
    'BUNDLE_TOO_LARGE',
    'INVALID_BUNDLE',
    'INVALID_MANIFEST',
    'VERSION_EXISTS',
    'EXTENSION_OWNED_BY_OTHER_PUBLISHER',
    'CONFLICT',
    ...SIGNING_ERROR_CODES,
  )
  async finalize(
    @CurrentPrincipal() principal: Principal,
    @Body() body: FinalizeUploadDto,
  ): Promise<FinalizeResponseDto> {
    await this.sessionCalls.consume(principal.id);
    return this.uploads.finalize(principal, body);
  }

  @Post('abort')
  @HttpCode(200)
  @Authenticated({ permission: Permission.BundleUpload })
  @ApiOperation({ summary: 'Abort an upload and delete what was staged (idempotent)' })
  @ApiOkResponse({ type: AbortResponseDto })
  @ApiErrors('RATE_LIMITED', 'UPLOAD_NOT_FOUND', 'UPLOAD_NOT_OWNED', 'UPLOAD_EXPIRED', 'UPLOAD_IN_PROGRESS')
  async abort(@CurrentPrincipal() principal: Principal, @Body() body: AbortUploadDto): Promise<AbortResponseDto> {
    await this.sessionCalls.consume(principal.id);
    return this.uploads.abort(principal, body.uploadId);
  }
}
