import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import {
  ApiKeyIdParamsDto,
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  ListApiKeysQueryDto,
  toApiKeyResponse,
} from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import { Permission, type Principal } from '../access/principal.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Authenticated({ permission: Permission.ApiKeyManage })
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Creates a key; the response is the only time the whole key is shown. */
  @Post()
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
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListApiKeysQueryDto,
  ): Promise<ApiKeyResponseDto[]> {
    return (await this.apiKeys.list(principal, query.tenantId)).map(toApiKeyResponse);
  }

  /** Revokes a key for good; revoking it again answers the same. */
  @Delete(':id')
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param() params: ApiKeyIdParamsDto,
  ): Promise<ApiKeyResponseDto> {
    return toApiKeyResponse(await this.apiKeys.revoke(principal, params.id));
  }
}
