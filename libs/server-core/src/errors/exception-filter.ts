import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorResponse } from '@extplat/contracts';
import { isStorageError } from '@extplat/storage';
import { isDatabaseUnavailable } from '../database/unavailable.js';
import { currentRequestContext } from '../logging/request-context.js';
import { DomainError, statusForCode } from './domain-error.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** What a 503 for unreachable infrastructure asks clients to wait: long enough for a restart to finish. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The one place where failures become HTTP: domain errors keep their code and declared status, Nest's own
 * exceptions get a code from their status, and anything unexpected is logged and answered as a 500 that
 * reveals nothing internal. Every body has the shape {@link ErrorResponse}.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    if (response.headersSent) {
      // A streamed response failed midway: the status line is gone, so end the connection instead.
      response.destroy();
      return;
    }
    const retryAfter = body.error.details?.['retryAfterSeconds'];
    if (typeof retryAfter === 'number') response.setHeader('retry-after', String(retryAfter));
    response.status(status).setHeader('cache-control', 'no-store').json(body);
  }

  private describe(exception: unknown): { status: number; body: ErrorResponse } {
    const requestId = currentRequestContext()?.requestId ?? null;
    if (exception instanceof DomainError) {
      const status = statusForCode(exception.code) ?? HttpStatus.BAD_REQUEST;
      const error = {
        code: exception.code,
        message: exception.message,
        ...(exception.details ? { details: exception.details } : {}),
      };
      return { status, body: { error, requestId } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) this.logger.error(exception);
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
      return { status, body: { error: { code, message: messageOf(exception) }, requestId } };
    }
    // Infrastructure that is down for a moment is the caller's cue to retry, not a bug: 503 + Retry-After.
    const unavailable = isStorageError(exception, 'UNAVAILABLE')
      ? 'The bundle store is not reachable; try again shortly'
      : isDatabaseUnavailable(exception)
        ? 'The database is not reachable; try again shortly'
        : undefined;
    if (unavailable) {
      this.logger.error(exception);
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: {
          error: {
            code: 'SERVICE_UNAVAILABLE',
            message: unavailable,
            details: { retryAfterSeconds: RETRY_AFTER_SECONDS },
          },
          requestId,
        },
      };
    }
    this.logger.error(exception instanceof Error ? exception : String(exception));
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: {
        error: {
          code: 'INTERNAL_ERROR',
          message: 'An unexpected error occurred; the request id identifies it in the logs',
        },
        requestId,
      },
    };
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
