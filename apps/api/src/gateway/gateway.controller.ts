import { Controller, Delete, Get, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import { ApiErrors } from '../openapi.js';
import { GatewayErrors } from './gateway.errors.js';
import { GatewayService } from './gateway.service.js';

/** The part of the raw URL below `/api/ext/{extensionId}`, still percent-encoded, without the query. */
function subPathOf(originalUrl: string): string {
  const path = originalUrl.split('?')[0]!;
  const rest = path.replace(/^\/api\/ext\/[^/]*/, '');
  return rest === '' ? '/' : rest;
}

const ROUTES = [':extensionId', ':extensionId/*path'];

// Every gateway code can answer any method: the extension, not the route, decides which.
@ApiErrors(...Object.values(GatewayErrors))
@Controller('api/ext')
export class GatewayController {
  constructor(private readonly gateway: GatewayService) {}

  /**
   * Calls an installed extension's declared endpoint for the caller's tenant. One handler per method of
   * the manifest's vocabulary, so the route table (and the RBAC matrix over it) lists exactly what is served.
   */
  @Get(ROUTES)
  @Authenticated({ permission: Permission.ExtensionCall })
  @ApiExcludeEndpoint()
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('extensionId') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.call(principal, id, req, res);
  }

  @Post(ROUTES)
  @Authenticated({ permission: Permission.ExtensionCall })
  @ApiExcludeEndpoint()
  post(
    @CurrentPrincipal() principal: Principal,
    @Param('extensionId') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.call(principal, id, req, res);
  }

  @Put(ROUTES)
  @Authenticated({ permission: Permission.ExtensionCall })
  @ApiExcludeEndpoint()
  put(
    @CurrentPrincipal() principal: Principal,
    @Param('extensionId') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.call(principal, id, req, res);
  }

  @Patch(ROUTES)
  @Authenticated({ permission: Permission.ExtensionCall })
  @ApiExcludeEndpoint()
  patch(
    @CurrentPrincipal() principal: Principal,
    @Param('extensionId') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.call(principal, id, req, res);
  }

  @Delete(ROUTES)
  @Authenticated({ permission: Permission.ExtensionCall })
  @ApiExcludeEndpoint()
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param('extensionId') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.call(principal, id, req, res);
  }

  private async call(principal: Principal, extensionId: string, req: Request, res: Response): Promise<void> {
    const answer = await this.gateway.handle(principal, extensionId, subPathOf(req.originalUrl), req);
    res.status(answer.status);
    // Node's own setHeader: Express's would rewrite the extension's Content-Type (it appends a charset).
    const headers = new Map<string, string[]>();
    for (const [name, value] of answer.headers) headers.set(name, [...(headers.get(name) ?? []), value]);
    for (const [name, values] of headers) res.setHeader(name, values.length === 1 ? values[0]! : values);
    // The API shares an origin with the console: an extension's response must never run as a page there.
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(answer.body);
  }
}
