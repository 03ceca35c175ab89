import { Body, Controller, Get, HttpCode, Ip, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CommonErrors, DomainError, Public } from '@extplat/server-core';
import type { Response } from 'express';
import { Authenticated, CurrentPrincipal } from './authenticated.decorator.js';
import { LoginDto, LoginResponseDto, PrincipalDto, toPrincipalDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import { Permission, type Principal } from './principal.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Password login; answers a short-lived session token. */
  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: LoginDto,
    @Ip() clientAddress: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResponseDto> {
    try {
      const session = await this.auth.login({ email: body.email, password: body.password, clientAddress });
      response.setHeader('cache-control', 'no-store');
      return {
        accessToken: session.accessToken,
        tokenType: 'Bearer',
        expiresAt: session.expiresAt.toISOString(),
        principal: toPrincipalDto(session.principal),
      };
    } catch (error) {
      if (error instanceof DomainError && error.code === CommonErrors.RATE_LIMITED) {
        const retryAfterSeconds = error.details?.['retryAfterSeconds'];
        response.setHeader('Retry-After', String(typeof retryAfterSeconds === 'number' ? retryAfterSeconds : 60));
      }
      throw error;
    }
  }

  /** Who the presented credential (session token or API key) is. */
  @ApiBearerAuth()
  @Authenticated({ permission: Permission.SessionRead })
  @Get('me')
  me(@CurrentPrincipal() principal: Principal): PrincipalDto {
    return toPrincipalDto(principal);
  }
}
