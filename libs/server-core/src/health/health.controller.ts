import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../public.decorator.js';
import type { LivenessResponse, ReadinessResponse } from '@extplat/contracts';
import { READINESS_CHECKS, runReadinessChecks, type ReadinessCheck } from './readiness.js';

const CHECK_TIMEOUT_MS = 3000;

@Public()
@Controller()
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  /** Liveness: the process runs and its event loop answers. No dependency is consulted. */
  @Get('healthz')
  @HttpCode(200)
  liveness(): LivenessResponse {
    return { status: 'ok' };
  }

  /** Readiness: every dependency answered; 503 names the ones that did not. */
  @Get('readyz')
  async readiness(@Res({ passthrough: true }) response: Response): Promise<ReadinessResponse> {
    const { ready, checks } = await runReadinessChecks(this.checks, CHECK_TIMEOUT_MS);
    response.status(ready ? 200 : 503).setHeader('cache-control', 'no-store');
    return { status: ready ? 'ready' : 'not-ready', checks };
  }
}
