import { All, Controller, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated, CurrentPrincipal } from '../auth/authenticated.decorator.js';
import { Permission, type Principal } from '../auth/principal.js';
import { GatewayService } from './gateway.service.js';

/** The part of the raw URL below `/api/ext/{extensionId}`, still percent-encoded, without the query. */
function subPathOf(originalUrl: string): string {
  const path = originalUrl.split('?')[0]!;
  const rest = path.replace(/^\/api\/ext\/[^/]*/, '');
  return rest === '' ? '/' : rest;
}

@Controller('api/ext')
export class GatewayController {
  constructor(private readonly gateway: GatewayService) {}

  /** Calls an installed extension's declared endpoint for the caller's tenant. */
  @All([':extensionId', ':extensionId/*path'])
  @Authenticated({ permission: Permission.ExtensionCall })
  @ApiExcludeEndpoint()
  async call(
    @CurrentPrincipal() principal: Principal,
    @Param('extensionId') extensionId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.gateway.handle(principal, extensionId, subPathOf(req.originalUrl), req);
    res.status(answer.status);
    for (const [name, value] of answer.headers) res.append(name, value);
    // The API shares an origin with the console: an extension's response must never run as a page there.
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(answer.body);
  }
}
