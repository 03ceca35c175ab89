import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import { CreateTenantDto, TenantResponseDto, toTenantResponse } from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

@ApiTags('tenants')
@ApiBearerAuth()
@Authenticated({ permission: Permission.TenantManage })
@Controller('api/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateTenantDto): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.create(principal, { slug: body.slug, name: body.name }));
  }

  @Get()
  async list(): Promise<TenantResponseDto[]> {
    return (await this.tenants.list()).map(toTenantResponse);
  }
}
