import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '../config/index.js';
import { CommonErrors, DomainError } from '../errors/index.js';
import { RateLimiter } from '../rate-limiter.js';
import { NonceCache, SIGNATURE_MAX_SKEW_MS } from '../runner-protocol.js';

/** Longest wait for one Redis command: a limit check sits on every request's path. */
const COMMAND_TIMEOUT_MS = 500;
/** How long the first connection may take at boot before the process starts anyway (degraded). */
const CONNECT_WAIT_MS = 2000;
/** One warning per this interval while Redis is out, not one per request. */
const WARN_EVERY_MS = 10_000;

/** Calls allowed per key and minute; `consume` throws RATE_LIMITED with the seconds to wait. */
export interface CallLimiter {
  consume(key: string): Promise<void>;
}

/** Execute nonces seen within the replay window; `remember` answers false for a replay. */
export interface ReplayGuard {
  remember(nonce: string): Promise<boolean>;
}

/** Failures per key in fixed windows that start at the first failure (the login throttle's budgets). */
export interface FailureCounter {
  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  retryAfterSeconds(key: string, now?: number): Promise<number>;
  /** Counts a failure; answers the failures of the current window, this one included. */
  recordFailure(key: string, now?: number): Promise<number>;
  reset(key: string): Promise<void>;
}

/** The in-process counterpart of {@link FailureCounter}. */
export interface LocalFailureCounter {
  retryAfterSeconds(key: string, now?: number): number;
  recordFailure(key: string, now?: number): number;
  reset(key: string): void;
}

/** Thrown by a Redis-backed {@link ReplayGuard} when it cannot tell whether a nonce is new. */
export class ReplayCacheUnavailableError extends Error {
  override readonly name = 'ReplayCacheUnavailableError';
}

function rateLimited(retryAfterSeconds: number): DomainError {
  return new DomainError(CommonErrors.RATE_LIMITED, `Too many requests; retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
}

/**
 * State that several replicas must share: call limits (API) and the execute replay cache (Runner). With a
 * {@link RedisConfig} it lives in Redis; without one (the embedded default) in this process, as before.
 *
 * When Redis cannot be reached:
 * - call limits fall back to this process's own buckets (each replica then allows the whole limit) and a
 *   warning is logged; refusing every call because a limiter is out would turn a cache outage into a
 *   platform outage;
 * - the replay guard fails closed: `remember` rejects with {@link ReplayCacheUnavailableError}, since a
 *   replayed signed request is exactly what another Runner could not detect.
 */
export class SharedState {
  private readonly logger = new Logger('SharedState');
  private lastWarning = 0;

  private constructor(
    readonly config: RedisConfig | undefined,
    readonly redis: Redis | undefined,
    private readonly limiters: typeof import('rate-limiter-flexible') | undefined,
  ) {
    this.redis?.on('error', (error: Error) => this.warn('Redis is unreachable', error));
  }

  /**
   * State in this process without a config; otherwise a Redis client, waiting (briefly) for its first
   * connection so the first requests after boot use Redis. The Redis libraries are loaded only then: the
   * embedded default starts as before.
   */
  static async open(config: RedisConfig | undefined): Promise<SharedState> {
    if (!config) return new SharedState(undefined, undefined, undefined);
    const [{ Redis }, limiters] = await Promise.all([import('ioredis'), import('rate-limiter-flexible')]);
    const redis = new Redis(config.url, {
      // Fail at once while disconnected instead of queueing behind a dead connection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_WAIT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    const state = new SharedState(config, redis, limiters);
    await state.ready();
    return state;
  }

  private async ready(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    // Not events.once: it rejects on the 'error' events a refused connection emits, and boot goes on anyway.
    let onReady = (): void => undefined;
    await Promise.race([
      new Promise<void>((resolve) => redis.once('ready', (onReady = resolve))),
      new Promise((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref()),
    ]);
    redis.off('ready', onReady);
  }

  /** Answers the round trip time, or rejects when Redis is configured and does not answer. */
  async ping(): Promise<number | undefined> {
    if (!this.redis) return undefined;
    const started = performance.now();
    await this.redis.ping();
    return performance.now() - started;
  }

  /** `perMinute` calls per key: a token bucket in the process, a one-minute fixed window in Redis. */
  callLimiter(name: string, perMinute: number): CallLimiter {
    const local = new RateLimiter(perMinute, perMinute / 60);
    const { redis, config, limiters } = this;
    if (!redis || !config || !limiters) {
      return {
        consume: (key) => {
          local.consume(key);
          return Promise.resolve();
        },
      };
    }
    const shared = new limiters.RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${config.keyPrefix}limit:${name}`,
      points: perMinute,
      duration: 60,
      rejectIfRedisNotReady: true,
    });
    return {
      consume: async (key) => {
        try {
          await shared.consume(key);
        } catch (error) {
          if (error instanceof limiters.RateLimiterRes)
            throw rateLimited(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
          this.warn(`Redis is unreachable; the ${name} limit is per process until it is back`, error);
          local.consume(key);
        }
      },
    };
  }

  /**
   * `maxFailures` per key and `windowMs` window, shared across replicas; `local` keeps counting (per
   * process, with a warning) while Redis is out, so the throttle never turns off.
   */
  failureCounter(
    name: string,
    limits: { maxFailures: number; windowMs: number },
    local: LocalFailureCounter,
  ): FailureCounter {
    const { redis, config, limiters } = this;
    if (!redis || !config || !limiters) {
      return {
        retryAfterSeconds: (key, now) => Promise.resolve(local.retryAfterSeconds(key, now)),
        recordFailure: (key, now) => Promise.resolve(local.recordFailure(key, now)),
        reset: (key) => Promise.resolve(local.reset(key)),
      };
    }
    const shared = new limiters.RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${config.keyPrefix}failures:${name}`,
      points: limits.maxFailures,
      duration: Math.max(1, Math.ceil(limits.windowMs / 1000)),
      rejectIfRedisNotReady: true,
    });
    const fallback = <T>(error: unknown, use: () => T): T => {
      this.warn(`Redis is unreachable; the ${name} throttle is per process until it is back`, error);
      return use();
    };
    return {
      retryAfterSeconds: async (key, now) => {
        try {
          const window = await shared.get(key);
          if (!window || window.consumedPoints < limits.maxFailures) return 0;
          return Math.max(1, Math.ceil(window.msBeforeNext / 1000));
        } catch (error) {
          return fallback(error, () => local.retryAfterSeconds(key, now));
        }
      },
      recordFailure: async (key, now) => {
        try {
          return (await shared.penalty(key, 1)).consumedPoints;
        } catch (error) {
          return fallback(error, () => local.recordFailure(key, now));
        }
      },
      reset: async (key) => {
        local.reset(key);
        try {
          await shared.delete(key);
        } catch (error) {
          fallback(error, () => undefined);
        }
      },
    };
  }

  /** Remembers nonces for twice the allowed clock skew, across every Runner that shares the Redis. */
  replayGuard(windowMs = 2 * SIGNATURE_MAX_SKEW_MS): ReplayGuard {
    const redis = this.redis;
    if (!redis || !this.config) {
      const local = new NonceCache(windowMs);
      return { remember: (nonce) => Promise.resolve(local.remember(nonce)) };
    }
    const prefix = `${this.config.keyPrefix}nonce:`;
    return {
      remember: async (nonce) => {
        try {
          return (await redis.set(`${prefix}${nonce}`, '1', 'PX', windowMs, 'NX')) === 'OK';
        } catch (error) {
          this.warn('Redis is unreachable; signed executions are refused until it is back', error);
          throw new ReplayCacheUnavailableError(error instanceof Error ? error.message : String(error));
        }
      },
    };
  }

  async close(): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private warn(message: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn({ msg: message, error: error instanceof Error ? error.message : String(error) });
  }
}
