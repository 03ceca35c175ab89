import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import { AuditEventPageResponseDto, ListAuditEventsQueryDto } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Authenticated({ permission: Permission.AuditRead })
  @ApiOperation({ summary: "Audit events, newest first: a tenant admin sees their tenant's, a platform admin all" })
  @ApiOkResponse({ type: AuditEventPageResponseDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListAuditEventsQueryDto,
  ): Promise<AuditEventPageResponseDto> {
    return this.audit.list(principal, query);
  }
}
