import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import {
  CreateTenantDto,
  ListTenantsQueryDto,
  TenantIdParamsDto,
  TenantPageDto,
  TenantResponseDto,
  toTenantResponse,
  UpdateTenantDto,
} from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';
import { ApiErrors } from '../openapi.js';

@ApiTags('tenants')
@ApiBearerAuth()
@Authenticated({ permission: Permission.TenantManage })
@Controller('api/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a tenant' })
  @ApiCreatedResponse({ type: TenantResponseDto })
  @ApiErrors('TENANT_SLUG_TAKEN')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateTenantDto): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.create(principal, { slug: body.slug, name: body.name }));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a tenant (the slug stays)' })
  @ApiOkResponse({ type: TenantResponseDto })
  @ApiErrors('TENANT_NOT_FOUND')
  async rename(
    @CurrentPrincipal() principal: Principal,
    @Param() params: TenantIdParamsDto,
    @Body() body: UpdateTenantDto,
  ): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.rename(principal, params.id, body.name));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One tenant' })
  @ApiOkResponse({ type: TenantResponseDto })
  @ApiErrors('TENANT_NOT_FOUND')
  async get(@Param() params: TenantIdParamsDto): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.get(params.id));
  }

  @Get()
  @ApiOperation({ summary: 'Tenants, by slug; `q` keeps those whose slug or name starts with it' })
  @ApiOkResponse({ type: TenantPageDto })
  @ApiErrors('INVALID_CURSOR')
  async list(@Query() query: ListTenantsQueryDto): Promise<TenantPageDto> {
    const page = await this.tenants.list(query);
    return {
      items: page.items.map(({ tenant, userCount }) => ({ ...toTenantResponse(tenant), userCount })),
      nextCursor: page.nextCursor,
    };
  }
}
