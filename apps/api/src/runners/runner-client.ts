import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  type ErrorResponse,
  type ExecuteRequestBody,
  type ExecuteResponseBody,
  type PrewarmResponseBody,
  RUNNER_EXECUTE_PATH,
  RUNNER_PREWARM_PATH,
} from '@extplat/contracts';
import { REQUEST_ID_HEADER, signRunnerRequest } from '@extplat/server-core';

export type RunnerAnswer =
  | { kind: 'ok'; body: ExecuteResponseBody }
  | { kind: 'error'; status: number; error: ErrorResponse['error'] | undefined }
  | { kind: 'timeout' }
  | { kind: 'unavailable'; message: string }
  /** No connection was made, so the Runner never saw the call: another Runner may take it. */
  | { kind: 'unreachable'; message: string };

export type PrewarmAnswer =
  | { kind: 'ok'; body: PrewarmResponseBody }
  | { kind: 'error'; status: number; code: string | undefined; message: string }
  | { kind: 'timeout' }
  | { kind: 'unavailable'; message: string };

/**
 * Calls one Runner's execute endpoint: signs the exact bytes it sends, keeps connections alive (the
 * gateway's latency budget is a few milliseconds), and turns every way the call can end into one answer.
 */
export class RunnerClient {
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    private readonly sharedSecret: string,
  ) {
    this.url = new URL(RUNNER_EXECUTE_PATH, `${baseUrl}/`);
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 256 })
        : new Agent({ keepAlive: true, maxSockets: 256 });
  }

  execute(payload: ExecuteRequestBody, timeoutMs: number): Promise<RunnerAnswer> {
    const body = Buffer.from(JSON.stringify(payload));
    const headers = {
      ...signRunnerRequest(this.sharedSecret, body),
      'content-type': 'application/json',
      'content-length': String(body.length),
      [REQUEST_ID_HEADER]: payload.claims.requestId,
    };
    const send = this.url.protocol === 'https:' ? httpsRequest : request;
    return new Promise((resolve) => {
      let settled = false;
      // Until a socket is connected nothing was sent; after that the Runner may have started the call.
      let connected = false;
      const finish = (answer: RunnerAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      };
      const req = send(this.url, { method: 'POST', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish({ kind: 'unavailable', message: error.message }));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            finish({
              kind: 'unavailable',
              message: `the Runner answered ${res.statusCode} with a body that is not JSON`,
            });
            return;
          }
          if (res.statusCode === 200) finish({ kind: 'ok', body: parsed as ExecuteResponseBody });
          else
            finish({ kind: 'error', status: res.statusCode ?? 502, error: (parsed as Partial<ErrorResponse>).error });
        });
      });
      const timer = setTimeout(() => {
        finish({ kind: 'timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('socket', (socket) => {
        if (req.reusedSocket || !socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('error', (error) =>
        finish({ kind: connected ? 'unavailable' : 'unreachable', message: `${this.baseUrl}: ${error.message}` }),
      );
      req.end(body);
    });
  }

  /**
   * Asks this Runner to fetch, verify, transpile and compile a bundle now, so the first call is warm
   * (`POST /v1/prewarm`, signed like execute). Never rejects: every ending is an answer.
   */
  prewarm(contentHash: string, timeoutMs: number): Promise<PrewarmAnswer> {
    const body = Buffer.from(JSON.stringify({ contentHash }));
    const headers = {
      ...signRunnerRequest(this.sharedSecret, body),
      'content-type': 'application/json',
      'content-length': String(body.length),
    };
    const url = new URL(RUNNER_PREWARM_PATH, this.url);
    const send = url.protocol === 'https:' ? httpsRequest : request;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (answer: PrewarmAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      };
      const req = send(url, { method: 'POST', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish({ kind: 'unavailable', message: error.message }));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = undefined;
          }
          if (res.statusCode === 200 && parsed) {
            finish({ kind: 'ok', body: parsed as PrewarmResponseBody });
            return;
          }
          const error = (parsed as Partial<ErrorResponse> | undefined)?.error;
          finish({
            kind: 'error',
            status: res.statusCode ?? 502,
            code: error?.code,
            message: error?.message ?? `the Runner answered ${res.statusCode}`,
          });
        });
      });
      const timer = setTimeout(() => {
        finish({ kind: 'timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('error', (error) => finish({ kind: 'unavailable', message: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
