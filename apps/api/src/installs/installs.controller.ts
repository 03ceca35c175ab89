import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import {
  CreatedInstallResponseDto,
  CreateInstallDto,
  InstallIdParamsDto,
  InstallPageDto,
  InstallResponseDto,
  ListInstallsQueryDto,
  SecretParamsDto,
  SetInstallStateDto,
  SetSecretDto,
  SwitchVersionDto,
  SwitchVersionResponseDto,
  UpdateConfigDto,
  VersionDiffDto,
  VersionDiffQueryDto,
} from './installs.dto.js';
import { InstallsService } from './installs.service.js';
import { ApiErrors } from '../openapi.js';

@ApiTags('installs')
@ApiBearerAuth()
@Controller('api/installs')
export class InstallsController {
  constructor(private readonly installs: InstallsService) {}

  @Post()
  @Authenticated({ permission: Permission.InstallManage })
  @ApiOperation({ summary: 'Install a published version in a tenant, granting part or all of what it requests' })
  @ApiCreatedResponse({ type: CreatedInstallResponseDto })
  @ApiErrors(
    'TENANT_NOT_FOUND',
    'EXTENSION_NOT_FOUND',
    'VERSION_NOT_FOUND',
    'VERSION_YANKED',
    'ALREADY_INSTALLED',
    'INVALID_CONFIG',
    'APPROVAL_REQUIRED',
    'INVALID_GRANT',
  )
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateInstallDto): Promise<CreatedInstallResponseDto> {
    return this.installs.create(principal, body);
  }

  @Get()
  @Authenticated({ permission: Permission.InstallRead })
  @ApiOperation({ summary: "The tenant's installs (platform admins: every tenant's, or one with tenantId)" })
  @ApiOkResponse({ type: InstallPageDto })
  @ApiErrors('INVALID_CURSOR')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListInstallsQueryDto): Promise<InstallPageDto> {
    return this.installs.list(principal, query);
  }

  @Get(':installId')
  @Authenticated({ permission: Permission.InstallRead })
  @ApiOperation({ summary: 'One install: version, grants, config and secret names (never values)' })
  @ApiOkResponse({ type: InstallResponseDto })
  @ApiErrors('INSTALL_NOT_FOUND')
  get(@CurrentPrincipal() principal: Principal, @Param() params: InstallIdParamsDto): Promise<InstallResponseDto> {
    return this.installs.get(principal, params.installId);
  }

  @Put(':installId/state')
  @Authenticated({ permission: Permission.InstallManage })
  @ApiOperation({ summary: 'Enable or disable: sets the given state (idempotent, never a toggle)' })
  @ApiOkResponse({ type: InstallResponseDto })
  @ApiErrors('INSTALL_NOT_FOUND')
  setState(
    @CurrentPrincipal() principal: Principal,
    @Param() params: InstallIdParamsDto,
    @Body() body: SetInstallStateDto,
  ): Promise<InstallResponseDto> {
    return this.installs.setEnabled(principal, params.installId, body.enabled);
  }

  @Get(':installId/version-diff')
  @Authenticated({ permission: Permission.InstallRead })
  @ApiOperation({ summary: 'What switching to another version would add or drop, and whether it needs approval' })
  @ApiOkResponse({ type: VersionDiffDto })
  @ApiErrors('INSTALL_NOT_FOUND', 'VERSION_NOT_FOUND')
  versionDiff(
    @CurrentPrincipal() principal: Principal,
    @Param() params: InstallIdParamsDto,
    @Query() query: VersionDiffQueryDto,
  ): Promise<VersionDiffDto> {
    return this.installs.versionDiff(principal, params.installId, query.version);
  }

  @Put(':installId/version')
  @Authenticated({ permission: Permission.InstallManage })
  @ApiOperation({ summary: 'Upgrade or roll back to another published version; additions need a grant' })
  @ApiOkResponse({ type: SwitchVersionResponseDto })
  @ApiErrors(
    'INSTALL_NOT_FOUND',
    'VERSION_NOT_FOUND',
    'VERSION_YANKED',
    'INVALID_CONFIG',
    'APPROVAL_REQUIRED',
    'INVALID_GRANT',
  )
  switchVersion(
    @CurrentPrincipal() principal: Principal,
    @Param() params: InstallIdParamsDto,
    @Body() body: SwitchVersionDto,
  ): Promise<SwitchVersionResponseDto> {
    return this.installs.switchVersion(principal, params.installId, body);
  }

  @Put(':installId/config')
  @Authenticated({ permission: Permission.InstallManage })
  @ApiOperation({ summary: "Replace the config, validated against the version's schema" })
  @ApiOkResponse({ type: InstallResponseDto })
  @ApiErrors('INSTALL_NOT_FOUND', 'INVALID_CONFIG')
  updateConfig(
    @CurrentPrincipal() principal: Principal,
    @Param() params: InstallIdParamsDto,
    @Body() body: UpdateConfigDto,
  ): Promise<InstallResponseDto> {
    return this.installs.updateConfig(principal, params.installId, body.config);
  }

  @Put(':installId/secrets/:name')
  @HttpCode(204)
  @Authenticated({ permission: Permission.InstallManage })
  @ApiOperation({
    summary: 'Set a secret (sealed at rest; no API ever returns it)',
    description:
      "When the installed version's manifest declares its secrets, only a declared name may be set " +
      '(else 400 SECRET_NOT_DECLARED); a version that declares none accepts any name.',
  })
  @ApiNoContentResponse()
  @ApiErrors('INSTALL_NOT_FOUND', 'SECRET_NOT_DECLARED')
  setSecret(
    @CurrentPrincipal() principal: Principal,
    @Param() params: SecretParamsDto,
    @Body() body: SetSecretDto,
  ): Promise<void> {
    return this.installs.setSecret(principal, params.installId, params.name, body.value);
  }

  @Delete(':installId/secrets/:name')
  @HttpCode(204)
  @Authenticated({ permission: Permission.InstallManage })
  @ApiOperation({ summary: 'Delete a secret' })
  @ApiNoContentResponse()
  @ApiErrors('INSTALL_NOT_FOUND', 'SECRET_NOT_FOUND')
  deleteSecret(@CurrentPrincipal() principal: Principal, @Param() params: SecretParamsDto): Promise<void> {
    return this.installs.deleteSecret(principal, params.installId, params.name);
  }

  @Delete(':installId')
  @HttpCode(204)
  @Authenticated({ permission: Permission.InstallManage })
  @ApiOperation({ summary: 'Uninstall: the install and its secrets are removed' })
  @ApiNoContentResponse()
  @ApiErrors('INSTALL_NOT_FOUND')
  uninstall(@CurrentPrincipal() principal: Principal, @Param() params: InstallIdParamsDto): Promise<void> {
    return this.installs.uninstall(principal, params.installId);
  }
}
