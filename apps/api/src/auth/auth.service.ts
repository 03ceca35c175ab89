import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CommonErrors, DomainError } from '@extplat/server-core';
import { AuditService } from '../audit/audit.service.js';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';
import { apiKeySecretMatches, parseApiKey } from './api-key-token.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { AuthErrors } from './auth.errors.js';
import { normalizeEmail } from './email.js';
import { FailedLoginLimiter } from './failed-login-limiter.js';
import { signSessionToken, verifySessionToken } from './jwt.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import type { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

export interface Session {
  accessToken: string;
  expiresAt: Date;
  principal: Principal;
}

/** `last_used_at` is refreshed when older than this (the repository's condition settles races). */
const LAST_USED_RESOLUTION_MS = 60_000;

export function userPrincipal(user: UserEntity): Principal {
  return { kind: 'user', id: user.id, tenantId: user.tenantId, role: user.role, name: user.email };
}

export function apiKeyPrincipal(key: ApiKeyEntity): Principal {
  return { kind: 'api-key', id: key.id, tenantId: key.tenantId, role: key.role, name: key.name };
}

/** Logs users in and turns presented credentials (session tokens, API keys) into principals. */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly failedLogins = new FailedLoginLimiter();
  /** Verified when the email is unknown, so an unknown email costs the same time as a wrong password. */
  private dummyPasswordHash = '';

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.dummyPasswordHash = await hashPassword(randomBytes(16).toString('hex'));
  }

  async login(input: { email: string; password: string; clientAddress: string }): Promise<Session> {
    const email = normalizeEmail(input.email);
    const limiterKey = FailedLoginLimiter.key(email, input.clientAddress);
    const retryAfterSeconds = this.failedLogins.retryAfterSeconds(limiterKey);
    if (retryAfterSeconds > 0) {
      throw new DomainError(CommonErrors.RATE_LIMITED, `Too many failed logins; try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
    const user = await this.users.findByEmail(email);
    const passwordMatches = await verifyPassword(input.password, user?.passwordHash ?? this.dummyPasswordHash);
    if (!user || !passwordMatches || user.disabledAt !== null) {
      this.failedLogins.recordFailure(limiterKey);
      await this.audit.record({
        type: 'auth.login-failed',
        actor: null,
        tenantId: user?.tenantId ?? null,
        ...(user ? { subject: `user:${user.id}` } : {}),
        outcome: 'failure',
        data: { email, reason: !user ? 'unknown-email' : !passwordMatches ? 'wrong-password' : 'disabled' },
      });
      throw new DomainError(AuthErrors.INVALID_CREDENTIALS, 'The email or the password is wrong');
    }
    this.failedLogins.reset(limiterKey);
    const principal = userPrincipal(user);
    const { token, claims } = signSessionToken(
      { userId: user.id, tenantId: user.tenantId, role: user.role },
      this.config.auth.jwtSecret,
      this.config.auth.tokenTtlSeconds,
    );
    await this.audit.record({
      type: 'auth.login',
      actor: principal,
      tenantId: user.tenantId,
      subject: `user:${user.id}`,
      outcome: 'success',
      data: { tokenId: claims.jti },
    });
    return { accessToken: token, expiresAt: new Date(claims.exp * 1000), principal };
  }

  /**
   * The principal of a session token. The user is read again so that a disabled account or a changed role
   * takes effect at once rather than when the token expires.
   */
  async authenticateSessionToken(token: string): Promise<Principal> {
    const verification = verifySessionToken(token, this.config.auth.jwtSecret);
    if (!verification.valid) {
      if (verification.reason === 'expired') {
        throw new DomainError(AuthErrors.SESSION_EXPIRED, 'The session has expired; log in again');
      }
      throw new DomainError(CommonErrors.UNAUTHENTICATED, 'The session token is not valid');
    }
    const user = await this.users.findById(verification.claims.sub);
    if (!user || user.disabledAt !== null) {
      throw new DomainError(CommonErrors.UNAUTHENTICATED, 'The session token is not valid');
    }
    return userPrincipal(user);
  }

  /** The principal of an API key; the secret is checked before anything about the key is revealed. */
  async authenticateApiKey(presented: string, now: Date = new Date()): Promise<Principal> {
    const parsed = parseApiKey(presented);
    const key = parsed ? await this.apiKeys.findByPrefix(parsed.prefix) : null;
    if (!parsed || !key || !apiKeySecretMatches(parsed.secret, key.secretHash)) {
      throw new DomainError(CommonErrors.UNAUTHENTICATED, 'The API key is not valid');
    }
    if (key.revokedAt !== null) {
      throw new DomainError(AuthErrors.API_KEY_REVOKED, 'The API key has been revoked');
    }
    if (key.expiresAt !== null && key.expiresAt <= now) {
      throw new DomainError(AuthErrors.API_KEY_EXPIRED, 'The API key has expired');
    }
    if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.apiKeys.touchLastUsed(key.id);
    }
    return apiKeyPrincipal(key);
  }
}
