import type { IncomingHttpHeaders } from 'node:http';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { CommonErrors, DomainError, currentRequestContext, statusForCode } from '@extplat/server-core';
import type { Request, Response } from 'express';
import { looksLikeApiKey } from '../identity/api-key-token.js';
import { AuthErrors } from '../access/auth.errors.js';
import { AuthService } from './auth.service.js';
import { hasPermission, type Principal } from '../access/principal.js';
import { routeAccess } from '../access/route-declarations.js';

export type AuthenticatedRequest = Request & { principal?: Principal };

type Credential = { kind: 'session'; token: string } | { kind: 'api-key'; key: string };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const CHALLENGE = 'Bearer realm="extplat"';

/**
 * The global guard (ARCHITECTURE §6): deny by default. `@Public()` routes pass; a route that declares
 * nothing is refused whoever calls; every other route needs a valid session token or API key whose role
 * grants the declared permission. The principal, and so the tenant, comes only from that credential.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = routeAccess(context.getHandler(), context.getClass());
    if (access && 'public' in access) return true;
    if (!access) {
      throw new DomainError(
        AuthErrors.ROUTE_NOT_DECLARED,
        'This route declares no permission, so it is closed to everyone',
      );
    }
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const principal = await this.authenticate(request.headers, response);
    request.principal = principal;
    const requestContext = currentRequestContext();
    if (requestContext) {
      requestContext.logger = requestContext.logger.child({ principal: `${principal.kind}:${principal.id}` });
    }
    if (!hasPermission(principal, access.permission)) {
      throw new DomainError(CommonErrors.FORBIDDEN, `Your role (${principal.role}) does not allow this`, {
        permission: access.permission,
      });
    }
    return true;
  }

  private async authenticate(headers: IncomingHttpHeaders, response: Response): Promise<Principal> {
    let credential: Credential | undefined;
    try {
      credential = readCredential(headers);
      if (!credential) {
        throw new DomainError(
          CommonErrors.UNAUTHENTICATED,
          'Log in, or send an API key as "Authorization: Bearer extplat_..." or "X-Api-Key"',
        );
      }
      return credential.kind === 'api-key'
        ? await this.auth.authenticateApiKey(credential.key)
        : await this.auth.authenticateSessionToken(credential.token);
    } catch (error) {
      if (error instanceof DomainError && statusForCode(error.code) === 401) {
        response.setHeader('WWW-Authenticate', credential ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE);
      }
      throw error;
    }
  }
}

/**
 * The one credential of a request: `Authorization: Bearer <session token | API key>` or `X-Api-Key`.
 * Two different credentials at once are refused rather than guessed between. Undefined when there is none.
 */
export function readCredential(headers: IncomingHttpHeaders): Credential | undefined {
  const authorization = headers.authorization;
  const apiKeyHeader = headers['x-api-key'];
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (!match?.[1]) {
      throw new DomainError(CommonErrors.UNAUTHENTICATED, 'The Authorization header must read "Bearer <token>"');
    }
    bearer = match[1];
  }
  const apiKey = Array.isArray(apiKeyHeader) ? undefined : apiKeyHeader?.trim();
  if (Array.isArray(apiKeyHeader) || (apiKey !== undefined && bearer !== undefined && apiKey !== bearer)) {
    throw new DomainError(CommonErrors.UNAUTHENTICATED, 'Send one credential, not several');
  }
  if (apiKey !== undefined) return { kind: 'api-key', key: apiKey };
  if (bearer === undefined) return undefined;
  return looksLikeApiKey(bearer) ? { kind: 'api-key', key: bearer } : { kind: 'session', token: bearer };
}
