import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import {
  ApiKeyIdParamsDto,
  ApiKeyPageDto,
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  ListApiKeysQueryDto,
  toApiKeyResponse,
} from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import { Permission, type Principal } from '../access/principal.js';
import { ApiErrors } from '../openapi.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Authenticated({ permission: Permission.ApiKeyManage })
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Creates a key; the response is the only time the whole key is shown. */
  @Post()
  @ApiOperation({ summary: 'Create an API key (the whole key is shown only in this answer)' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiErrors('INVALID_ROLE_SCOPE', 'TENANT_NOT_FOUND')
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponseDto> {
    const { entity, key } = await this.apiKeys.create(principal, {
      name: body.name,
      role: body.role,
      tenantId: body.tenantId,
      expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt),
    });
    return { ...toApiKeyResponse(entity), key };
  }

  @Get()
  @ApiOperation({ summary: 'API keys, newest first (tenant admins: their tenant; platform admins: any)' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiErrors('INVALID_CURSOR')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListApiKeysQueryDto): Promise<ApiKeyPageDto> {
    const page = await this.apiKeys.list(principal, query);
    return { items: page.items.map(toApiKeyResponse), nextCursor: page.nextCursor };
  }

  /** Revokes a key for good; revoking it again answers the same. */
  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key for good (idempotent)' })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  @ApiErrors('API_KEY_NOT_FOUND')
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param() params: ApiKeyIdParamsDto,
  ): Promise<ApiKeyResponseDto> {
    return toApiKeyResponse(await this.apiKeys.revoke(principal, params.id));
  }
}
