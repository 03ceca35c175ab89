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

@ApiTags('registry')
@ApiBearerAuth()
@Controller('api/extensions')
export class RegistryController {
  constructor(private readonly registry: RegistryService) {}

  @Get()
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: 'List extensions, with their latest version' })
  @ApiOkResponse({ type: ExtensionPageDto })
  list(@Query() query: ListExtensionsQueryDto): Promise<ExtensionPageDto> {
    return this.registry.listExtensions(query);
  }

  @Get(':name')
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: 'One extension' })
  @ApiOkResponse({ type: ExtensionSummaryDto })
  get(@Param('name') name: string): Promise<ExtensionSummaryDto> {
    return this.registry.getExtension(name);
  }

  @Get(':name/versions')
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: "An extension's versions, newest first" })
  @ApiOkResponse({ type: VersionPageDto })
  versions(@Param('name') name: string, @Query() query: ListVersionsQueryDto): Promise<VersionPageDto> {
    return this.registry.listVersions(name, query);
  }

  @Get(':name/versions/:version')
  @Authenticated({ permission: Permission.RegistryRead })
  @ApiOperation({ summary: 'One version: manifest, endpoints, capabilities and the signature verdict' })
  @ApiOkResponse({ type: VersionDetailDto })
  version(@Param('name') name: string, @Param('version') version: string): Promise<VersionDetailDto> {
    return this.registry.getVersion(name, version);
  }

  @Post(':name/versions/:version/yank')
  @HttpCode(200)
  @Authenticated({ permission: Permission.VersionYank })
  @ApiOperation({ summary: 'Yank a version: no new installs; existing ones keep running' })
  @ApiOkResponse({ type: VersionDetailDto })
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
  unyank(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('version') version: string,
  ): Promise<VersionDetailDto> {
    return this.registry.setYanked(principal, name, version, false);
  }
}
