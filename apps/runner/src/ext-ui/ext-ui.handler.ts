import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { RUNNER_CONFIG } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { contentTypeFor, etagFor, etagMatches, staticHeaders } from './ext-ui-headers.js';
import { ExtUiService } from './ext-ui.service.js';

type Next = (error?: unknown) => void;

/**
 * `GET|HEAD /ext-ui/{extensionId}/{contentHash}/{path}`: the static UI of a published version, framed by
 * the console in a sandboxed iframe (ARCHITECTURE §9.5). Public by design: the files are what every console
 * browser receives, and the content hash names them.
 *
 * A plain Express middleware mounted ahead of the global ones (see ExtUiModule), not a Nest route: Nest's
 * router plus the per-request pino-http logger cost about half the throughput of `express.static` on small
 * files (bench/runner/ext-ui.mjs). Express also decodes route params and answers a malformed `%` escape
 * with its own 400; here the raw URL is parsed once. Errors still go to `next(error)`, so the global
 * exception filter writes the standard body with `Cache-Control: no-store`; caching headers are set only
 * once a file is open. Successful requests are not logged (static traffic would drown the log).
 */
@Injectable()
export class ExtUiHandler {
  private readonly headers: [string, string][];

  constructor(
    @Inject(RUNNER_CONFIG) config: RunnerConfig,
    @Inject(ExtUiService) private readonly service: ExtUiService,
  ) {
    this.headers = Object.entries(staticHeaders(config.consoleOrigin));
  }

  readonly middleware = (
    request: IncomingMessage & { originalUrl?: string },
    response: ServerResponse,
    next: Next,
  ): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      next();
      return;
    }
    this.serve(request, request.originalUrl ?? request.url ?? '', response).catch(next);
  };

  private async serve(request: IncomingMessage, rawUrl: string, response: ServerResponse): Promise<void> {
    const file = await this.service.open(rawUrl);
    const etag = etagFor(file.sha256);
    for (const [name, value] of this.headers) response.setHeader(name, value);
    response.setHeader('etag', etag);
    if (etagMatches(request.headers['if-none-match'], etag)) {
      await file.close();
      response.statusCode = 304;
      response.end();
      return;
    }
    response.statusCode = 200;
    response.setHeader('content-type', contentTypeFor(file.path));
    response.setHeader('content-length', file.size);
    if (request.method === 'HEAD') {
      await file.close();
      response.end();
      return;
    }
    // pipe() rather than pipeline(): pipeline's per-call AbortController shows in the profile of small files.
    // A read error ends the connection (the status line is gone); a client gone stops the read.
    const body = file.stream();
    body.once('error', () => response.destroy());
    response.once('close', () => body.destroy());
    body.pipe(response);
  }
}
