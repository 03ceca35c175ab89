import { Body, Controller, Get, HttpCode, Ip, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommonErrors, DomainError, Public } from '@extplat/server-core';
import type { Response } from 'express';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { LoginDto, LoginResponseDto, PrincipalDto, toPrincipalDto } from './auth.dto.js';
import { AuthService, type Session } from './auth.service.js';
import { Permission, type Principal } from '../access/principal.js';
import { ChangeOwnPasswordDto } from '../identity/users.dto.js';
import { ApiErrors } from '../openapi.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Password login; answers a short-lived session token. */
  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password: a session token' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors('RATE_LIMITED', 'INVALID_CREDENTIALS', 'SERVICE_UNAVAILABLE')
  async login(
    @Body() body: LoginDto,
    @Ip() clientAddress: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResponseDto> {
    try {
      const session = await this.auth.login({ email: body.email, password: body.password, clientAddress });
      response.setHeader('cache-control', 'no-store');
      return toLoginResponse(session);
    } catch (error) {
      setRetryAfter(error, response);
      throw error;
    }
  }

  /**
   * Changes the caller's own password (users only, given the current one). Every session of the user ends;
   * the answer is a new session for the caller.
   */
  @ApiBearerAuth()
  @Authenticated({ permission: Permission.SessionRead })
  @Put('password')
  @ApiOperation({ summary: 'Change your own password (ends your other sessions)' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors('RATE_LIMITED', 'CURRENT_PASSWORD_WRONG')
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangeOwnPasswordDto,
    @Ip() clientAddress: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResponseDto> {
    try {
      const session = await this.auth.changeOwnPassword(principal, {
        currentPassword: body.currentPassword,
        newPassword: body.newPassword,
        clientAddress,
      });
      response.setHeader('cache-control', 'no-store');
      return toLoginResponse(session);
    } catch (error) {
      setRetryAfter(error, response);
      throw error;
    }
  }

  /** Who the presented credential (session token or API key) is. */
  @ApiBearerAuth()
  @Authenticated({ permission: Permission.SessionRead })
  @Get('me')
  @ApiOperation({ summary: 'Who the presented credential is' })
  @ApiOkResponse({ type: PrincipalDto })
  me(@CurrentPrincipal() principal: Principal): PrincipalDto {
    return toPrincipalDto(principal);
  }
}

function toLoginResponse(session: Session): LoginResponseDto {
  return {
    accessToken: session.accessToken,
    tokenType: 'Bearer',
    expiresAt: session.expiresAt.toISOString(),
    principal: toPrincipalDto(session.principal),
  };
}

function setRetryAfter(error: unknown, response: Response): void {
  if (error instanceof DomainError && error.code === CommonErrors.RATE_LIMITED) {
    const retryAfterSeconds = error.details?.['retryAfterSeconds'];
    response.setHeader('Retry-After', String(typeof retryAfterSeconds === 'number' ? retryAfterSeconds : 60));
  }
}
