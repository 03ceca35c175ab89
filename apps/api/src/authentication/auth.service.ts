import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CommonErrors, DomainError, SharedState } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';
import { apiKeySecretMatches, parseApiKey } from '../identity/api-key-token.js';
import type { ApiKeyEntity } from '../identity/api-key.entity.js';
import { ApiKeyCredentials, UserCredentials } from '../identity/credentials.service.js';
import { AuthErrors } from '../access/auth.errors.js';
import { normalizeEmail } from '../identity/email.js';
import { DEFAULT_LOGIN_THROTTLE_LIMITS, FailedLoginLimiter, LoginThrottle } from './failed-login-limiter.js';
import type { LoginFailureReason } from './login-failure.entity.js';
import { LoginFailuresRepository } from './login-failures.repository.js';
import { signSessionToken, verifySessionToken } from './jwt.js';
import { hashPassword, verifyPassword } from '../identity/password.js';
import type { Principal } from '../access/principal.js';
import type { UserEntity } from '../identity/user.entity.js';

export interface Session {
  accessToken: string;
  expiresAt: Date;
  principal: Principal;
  /** The token's `jti`, for the audit trail. */
  tokenId: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text that PostgreSQL and the JSON of a log line can hold: NULs and lone surrogates become U+FFFD. A login
 * with such an email cannot match a user, but the attempt is still recorded, under this form.
 */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
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
  private readonly logger = new Logger('Auth');
  private readonly throttle: LoginThrottle;
  /** Verified when the email is unknown, so an unknown email costs the same time as a wrong password. */
  private dummyPasswordHash = '';

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    // Only to open transactions, so a password change and its audit event are written together or not at all.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UserCredentials,
    private readonly apiKeys: ApiKeyCredentials,
    private readonly loginFailures: LoginFailuresRepository,
    private readonly audit: AuditService,
    sharedState: SharedState,
  ) {
    this.throttle = new LoginThrottle(DEFAULT_LOGIN_THROTTLE_LIMITS, (name, limits) =>
      sharedState.failureCounter(name, limits, new FailedLoginLimiter(limits)),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.dummyPasswordHash = await hashPassword(randomBytes(16).toString('hex'));
  }

  /**
   * Failed logins go to `login_failures` (pruned after a retention), not to the audit chain: they come from
   * anyone, so the append-only log would grow without bound. Successful logins are audited.
   */
  async login(input: { email: string; password: string; clientAddress: string }): Promise<Session> {
    const email = normalizeEmail(input.email);
    await this.refuseIfThrottled(email, input.clientAddress);
    const wellFormed = storableText(email) === email;
    const user = wellFormed ? await this.users.findByEmail(email) : null;
    const passwordMatches = await verifyPassword(input.password, user?.passwordHash ?? this.dummyPasswordHash);
    if (!user || !passwordMatches || user.disabledAt !== null) {
      const reason: LoginFailureReason = !wellFormed
        ? 'malformed-email'
        : !user
          ? 'unknown-email'
          : !passwordMatches
            ? 'wrong-password'
            : 'disabled';
      await this.recordLoginFailure(email, input.clientAddress, user, reason);
      throw new DomainError(AuthErrors.INVALID_CREDENTIALS, 'The email or the password is wrong');
    }
    await this.throttle.recordSuccess(email, input.clientAddress);
    const session = this.issueSession(user);
    await this.audit.record({
      type: 'auth.login',
      actor: session.principal,
      tenantId: user.tenantId,
      subject: `user:${user.id}`,
      outcome: 'success',
      data: { tokenId: session.tokenId },
    });
    return session;
  }

  /**
   * Changes the caller's own password, given the current one; every session of the user ends, and the
   * caller gets a new one. Wrong current passwords count against the login throttle of the same address.
   */
  async changeOwnPassword(
    actor: Principal,
    input: { currentPassword: string; newPassword: string; clientAddress: string },
  ): Promise<Session> {
    if (actor.kind !== 'user') {
      throw new DomainError(CommonErrors.FORBIDDEN, 'API keys have no password; only users change theirs');
    }
    const throttleKey = `user:${actor.id}`;
    await this.refuseIfThrottled(throttleKey, input.clientAddress);
    const user = await this.users.findById(actor.id);
    if (!user) throw new DomainError(CommonErrors.UNAUTHENTICATED, 'The session token is not valid');
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      await this.throttle.recordFailure(throttleKey, input.clientAddress);
      await this.audit.record({
        type: 'user.password-change',
        actor,
        tenantId: user.tenantId,
        subject: `user:${user.id}`,
        outcome: 'failure',
        data: { reason: 'wrong-current-password' },
      });
      throw new DomainError(AuthErrors.CURRENT_PASSWORD_WRONG, 'The current password is wrong');
    }
    await this.throttle.recordSuccess(throttleKey, input.clientAddress);
    const passwordHash = await hashPassword(input.newPassword);
    const changed = await this.dataSource.transaction(async (manager) => {
      await this.users.setPassword(user.id, passwordHash, manager);
      await this.audit.record(
        {
          type: 'user.password-change',
          actor,
          tenantId: user.tenantId,
          subject: `user:${user.id}`,
          outcome: 'success',
          data: {},
        },
        manager,
      );
      return this.users.findById(user.id, manager);
    });
    if (!changed) throw new DomainError(CommonErrors.UNAUTHENTICATED, 'The session token is not valid');
    return this.issueSession(changed);
  }

  private async refuseIfThrottled(key: string, clientAddress: string): Promise<void> {
    const retryAfterSeconds = await this.throttle.retryAfterSeconds(key, clientAddress);
    if (retryAfterSeconds > 0) {
      throw new DomainError(CommonErrors.RATE_LIMITED, `Too many failed logins; try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
  }

  private async recordLoginFailure(
    email: string,
    clientAddress: string,
    user: UserEntity | null,
    reason: LoginFailureReason,
  ): Promise<void> {
    if (await this.throttle.recordFailure(email, clientAddress)) {
      this.logger.warn({
        msg: 'many failed logins for one account from several addresses; each address is throttled on its own',
        userId: user?.id ?? null,
      });
    }
    await this.loginFailures.insert({
      email: storableText(email).slice(0, 320),
      clientAddress: storableText(clientAddress).slice(0, 64),
      userId: user?.id ?? null,
      tenantId: user?.tenantId ?? null,
      reason,
    });
  }

  private issueSession(user: UserEntity): Session {
    const principal = userPrincipal(user);
    const { token, claims } = signSessionToken(
      { userId: user.id, tenantId: user.tenantId, role: user.role, generation: user.sessionGeneration },
      this.config.auth.jwtSecret,
      this.config.auth.tokenTtlSeconds,
    );
    return { accessToken: token, expiresAt: new Date(claims.exp * 1000), principal, tokenId: claims.jti };
  }

  /**
   * The principal of a session token. The user is read again so that a disabled account, a changed role or
   * an ended session (the token's generation is no longer the user's) takes effect at once rather than when
   * the token expires.
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
    if ((verification.claims.gen ?? 0) !== user.sessionGeneration) {
      throw new DomainError(AuthErrors.SESSION_REVOKED, 'This session has been ended; log in again');
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
