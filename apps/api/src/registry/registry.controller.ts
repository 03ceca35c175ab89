import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import {
  ExtensionPageDto,
  ExtensionSummaryDto,
  ListExtensionsQueryDto,
  ListVersionsQueryDto,
  VersionDetailDto,
  VersionPageDto,
  YankVersionDto,
} from './registry.dto.js';
import { RegistryService } from './registry.service.js';
import { ApiErrors } from '../openapi.js';

@ApiTags('registry')
@ApiBearerAuth()
@Controller('api/extensions')
export class RegistryController {
  constructor(private readonly registry: RegistryService) {}

  @Get()
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: 'List extensions, with their latest version' })
  @ApiOkResponse({ type: ExtensionPageDto })
  @ApiErrors('INVALID_CURSOR')
  list(@Query() query: ListExtensionsQueryDto): Promise<ExtensionPageDto> {
    return this.registry.listExtensions(query);
  }

  @Get(':name')
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: 'One extension' })
  @ApiOkResponse({ type: ExtensionSummaryDto })
  @ApiErrors('EXTENSION_NOT_FOUND')
  get(@Param('name') name: string): Promise<ExtensionSummaryDto> {
    return this.registry.getExtension(name);
  }

  @Get(':name/versions')
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: "An extension's versions, newest first" })
  @ApiOkResponse({ type: VersionPageDto })
  @ApiErrors('EXTENSION_NOT_FOUND', 'INVALID_CURSOR')
  versions(@Param('name') name: string, @Query() query: ListVersionsQueryDto): Promise<VersionPageDto> {
    return this.registry.listVersions(name, query);
  }

  @Get(':name/versions/:version')
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: 'One version: manifest, endpoints, capabilities and the signature verdict' })
  @ApiOkResponse({ type: VersionDetailDto })
  @ApiErrors('EXTENSION_NOT_FOUND', 'VERSION_NOT_FOUND')
  version(@Param('name') name: string, @Param('version') version: string): Promise<VersionDetailDto> {
    return this.registry.getVersion(name, version);
  }

  @Post(':name/versions/:version/yank')
  @HttpCode(200)
  @Authenticated({ permission: Permission.VersionYank })
  @ApiOperation({ summary: 'Yank a version: no new installs; existing ones keep running' })
  @ApiOkResponse({ type: VersionDetailDto })
  @ApiErrors('EXTENSION_NOT_FOUND', 'VERSION_NOT_FOUND')
  yank(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() body: YankVersionDto,
  ): Promise<VersionDetailDto> {
    return this.registry.setYanked(principal, name, version, true, body.reason);
  }

  @Post(':name/versions/:version/unyank')
  @HttpCode(200)
  @Authenticated({ permission: Permission.VersionYank })
  @ApiOperation({ summary: 'Publish a yanked version again' })
  @ApiOkResponse({ type: VersionDetailDto })
  @ApiErrors('EXTENSION_NOT_FOUND', 'VERSION_NOT_FOUND')
  unyank(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('version') version: string,
  ): Promise<VersionDetailDto> {
    return this.registry.setYanked(principal, name, version, false);
  }
}
