/** The body of every error response of the API and the Runner. */
export interface ErrorResponse {
  error: {
    /** Stable, machine-readable code, e.g. `HASH_MISMATCH`. */
    code: string;
    /** What happened and, where possible, what to do about it. */
    message: string;
    details?: Record<string, unknown>;
  };
  /** Also in the `X-Request-Id` response header and on the server's log lines. */
  requestId: string | null;
}

/** `GET /healthz` */
export interface LivenessResponse {
  status: 'ok';
}

export interface ReadinessCheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
  /** A note from a check that passed, e.g. why it could not check everything. */
  detail?: string;
}

/** `GET /readyz`: 200 when every check passed, 503 otherwise. */
export interface ReadinessResponse {
  status: 'ready' | 'not-ready';
  checks: Record<string, ReadinessCheckResult>;
}
