import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { InstallsModule } from '../installs/installs.module.js';
import { RunnersModule } from '../runners/runners.module.js';
import { GatewayAudit } from './gateway-audit.js';
import { GatewayController } from './gateway.controller.js';
import { GatewayService } from './gateway.service.js';

/** `ALL /api/ext/{extensionId}/...`: extension calls through the Runner. */
@Module({
  imports: [AuditModule, InstallsModule, RunnersModule],
  controllers: [GatewayController],
  providers: [GatewayService, GatewayAudit],
})
export class GatewayModule {}
