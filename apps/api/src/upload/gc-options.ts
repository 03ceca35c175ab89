/** Injection token of the sweeper's {@link GcOptions}. */
export const GC_OPTIONS = Symbol('GC_OPTIONS');

export interface GcOptions {
  /** Pause between the end of one periodic sweep and the start of the next. */
  intervalMs: number;
  /** Delay of the first periodic sweep after the API starts. */
  initialDelayMs: number;
  /**
   * How long past its expiry a session, and how old an unowned staging object, must be before the sweeper
   * touches it: leaves room for clock skew and for a finalize that is just about to take its lease.
   */
  graceSeconds: number;
  /** Most sessions one sweep expires; the rest wait for the next sweep. */
  maxSessionsPerSweep: number;
}

/** Fixed defaults (deliberately not configuration); tests and the CLI pass their own. */
export const DEFAULT_GC_OPTIONS: GcOptions = {
  intervalMs: 10 * 60_000,
  initialDelayMs: 60_000,
  graceSeconds: 3600,
  maxSessionsPerSweep: 1000,
};
