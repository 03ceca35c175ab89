import type { ReadinessCheckResult } from '@extplat/contracts';

/** Something the process needs before it can serve traffic (a database, the bundle store). */
export interface ReadinessCheck {
  readonly name: string;
  /** Rejects when not ready; may resolve to a note that the probe reports with the passing result. */
  check(): Promise<void | string>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Runs every check in parallel, each bounded by `timeoutMs`, so one stuck dependency cannot hang the probe. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<{ ready: boolean; checks: Record<string, ReadinessCheckResult> }> {
  const results = await Promise.all(
    checks.map(async (check): Promise<[string, ReadinessCheckResult]> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const detail = await Promise.race([
          check.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        const latencyMs = Math.round(performance.now() - started);
        return [check.name, typeof detail === 'string' ? { ok: true, latencyMs, detail } : { ok: true, latencyMs }];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [check.name, { ok: false, latencyMs: Math.round(performance.now() - started), error: message }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, result]) => result.ok), checks: Object.fromEntries(results) };
}
