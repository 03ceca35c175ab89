import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { LogLevel } from '../config/index.js';
import { currentRequestContext, runWithRequestContext } from './request-context.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming request id is kept only when it is short and plain, so it is safe in logs and headers. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createRootLogger(options: { level: LogLevel; service: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  });
}

/** The logger of the current request when there is one, else the root logger. */
export function contextualLogger(root: Logger): Logger {
  return currentRequestContext()?.logger ?? root;
}

export interface RequestLoggingOptions {
  /**
   * Paths whose successful requests are logged at `debug` only, because another service already logs
   * each of them (the Runner's execute calls are in the API's request log under the same request id).
   * Failures on them are still warnings and errors.
   */
  debugWhenPassing?: readonly string[];
}

/**
 * Express middleware: assigns the request id (kept from `X-Request-Id` when acceptable), echoes it in the
 * response, logs one line per completed request and runs the rest of the request inside a context whose
 * logger carries the id, so every line logged while serving it has `reqId`.
 */
export function requestLoggingMiddleware(
  root: Logger,
  options: RequestLoggingOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const debugWhenPassing = new Set(options.debugWhenPassing);
  const http: HttpLogger = pinoHttp({
    logger: root,
    // Child loggers carry only `reqId`, so lines logged while serving a request stay small but traceable.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    genReqId: (req, res) => {
      const incoming = req.headers[REQUEST_ID_HEADER];
      const id = typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customLogLevel: (req, res, error) => {
      // Readiness is probed every few seconds (Kubernetes, and each API's Runner pool): a passing probe is
      // not logged, a failing one is a warning (the check that failed logs why).
      if (!error && req.url === '/readyz') return res.statusCode < 400 ? 'silent' : 'warn';
      if (!error && res.statusCode < 400 && debugWhenPassing.has(req.url ?? '')) return 'debug';
      return error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
    },
    // Liveness probes would drown the log.
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
  return (req, res, next) => {
    http(req, res);
    // pino-http has set `id` (from genReqId above, always a string) and a child logger bound to it.
    const { id, log } = req as IncomingMessage & { id: string; log: Logger };
    runWithRequestContext({ requestId: id, logger: log }, next);
  };
}

/** Nest's logger interface over pino; lines logged during a request carry its id. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    const stack = context === undefined ? undefined : stackOrContext;
    this.write('error', message, context ?? stackOrContext, stack);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    context?: string,
    stack?: string,
  ): void {
    const logger = contextualLogger(this.root);
    const fields: Record<string, unknown> = {};
    if (context) fields['context'] = context;
    if (stack) fields['stack'] = stack;
    if (message instanceof Error) {
      logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      logger[level](fields, String(message));
    }
  }
}
