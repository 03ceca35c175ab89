import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { API_CONFIG } from '../config/config.module.js';
import type { ApiConfig } from '../config/api-config.js';
import { ApiMetrics } from './api-metrics.js';

/**
 * `GET /metrics` on a port of its own (`API_METRICS_PORT`, on `API_HOST`): the API port faces browsers,
 * and a scrape endpoint there would tell anyone the platform's counters. Off when the port is not set.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;
  /** Where metrics are served once started (the chosen port when API_METRICS_PORT is 0). */
  url: string | undefined;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly metrics: ApiMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metricsPort;
    if (port === undefined) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at GET /metrics\n');
        return;
      }
      this.metrics.render().then(
        (text) =>
          res
            .writeHead(200, {
              'content-type': 'text/plain; version=0.0.4; charset=utf-8',
              'cache-control': 'no-store',
            })
            .end(text),
        (error: unknown) => {
          this.logger.error({ msg: 'metrics could not be rendered', error: String(error) });
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be rendered\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port: bound } = server.address() as AddressInfo;
    const host = this.config.http.host.includes(':') ? `[${this.config.http.host}]` : this.config.http.host;
    this.url = `http://${host}:${bound}/metrics`;
    // Not "listening": process supervisors and tests wait for the API's own listening line.
    this.logger.log({ msg: 'metrics served', metricsUrl: this.url });
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
