import { Controller, Get, Global, Header, Inject, Injectable, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CONFIG_FINGERPRINT_PATHS, type ConfigFingerprint } from '@extplat/contracts';
import { configFingerprint, fingerprintDrift, Public, type ReadinessCheck } from '@extplat/server-core';
import { API_CONFIG } from '../config/config.module.js';
import type { ApiConfig } from '../config/api-config.js';

/** How long readiness waits for the Runner's fingerprint before reporting it unchecked. */
const RUNNER_TIMEOUT_MS = 1500;

@Injectable()
export class ApiFingerprint {
  readonly value: ConfigFingerprint;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.value = configFingerprint(
      'api',
      { storage: config.storage, signing: config.signing, egressAllowlist: config.egressAllowlist },
      config.runner.sharedSecret,
    );
  }
}

/**
 * Readiness check `runnerConfig`: the API and the Runner must share the bundle location, the signing
 * policy, the trust bundle, the revocations and the egress allowlist, or the Runner would refuse (or
 * accept) what the API accepted (or refused). A drift makes the API not ready and names every setting
 * that differs. A Runner that cannot be reached is reported but does not fail readiness: uploads, the
 * registry and the console work without it.
 */
@Injectable()
export class RunnerParityCheck implements ReadinessCheck {
  readonly name = 'runnerConfig';

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly fingerprint: ApiFingerprint,
  ) {}

  async check(): Promise<string | undefined> {
    // One Runner stands for all: they read the same settings (a fleet's own drift is for config:check).
    const { discovery } = this.config.runner;
    const base = discovery.kind === 'static' ? discovery.urls[0] : `http://${discovery.host}:${discovery.port}`;
    const url = `${base}${CONFIG_FINGERPRINT_PATHS.runner}`;
    let runner: ConfigFingerprint;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(RUNNER_TIMEOUT_MS) });
      if (!response.ok) return `the Runner answered ${response.status} at ${url}; parity not checked`;
      runner = (await response.json()) as ConfigFingerprint;
    } catch (error) {
      return `the Runner could not be reached at ${url} (${error instanceof Error ? error.message : String(error)}); parity not checked`;
    }
    const drift = fingerprintDrift(this.fingerprint.value, runner);
    if (drift.length > 0) {
      throw new Error(`the Runner's configuration differs in: ${drift.join(', ')}`);
    }
    return undefined;
  }
}

@ApiTags('health')
@Controller()
export class ConfigFingerprintController {
  constructor(private readonly fingerprint: ApiFingerprint) {}

  /** Digests of the settings the Runner must share; `npm run config:check` compares them with the Runner's. */
  @Get(CONFIG_FINGERPRINT_PATHS.api)
  @Public()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Digests of the settings the API shares with the Runner (config parity)' })
  @ApiOkResponse({
    description: 'service, fingerprint and one digest per shared setting',
    schema: {
      type: 'object',
      required: ['service', 'fingerprint', 'settings'],
      properties: {
        service: { type: 'string', enum: ['api', 'runner'] },
        fingerprint: { type: 'string', description: 'Keyed digest over the canonical JSON of settings' },
        settings: { type: 'object', additionalProperties: { type: 'string' }, description: 'One digest per setting' },
      },
    },
  })
  get(): ConfigFingerprint {
    return this.fingerprint.value;
  }
}

/** Global so the health module can inject the check. */
@Global()
@Module({
  controllers: [ConfigFingerprintController],
  providers: [ApiFingerprint, RunnerParityCheck],
  exports: [RunnerParityCheck],
})
export class RunnerParityModule {}
