/**
 * The contract between the API's gateway and the Runner (ARCHITECTURE §9.1, §8). The gateway signs every
 * execute request with the shared secret; the Runner trusts nothing but these signed claims.
 */

export const RUNNER_EXECUTE_PATH = '/v1/execute';

/** Headers of a signed execute request. */
export const RunnerSignatureHeaders = {
  /** Milliseconds since the epoch when the gateway signed the request. */
  timestamp: 'x-extplat-timestamp',
  /** A fresh random value per request: the Runner refuses one it has already seen. */
  nonce: 'x-extplat-nonce',
  /** `v1=<hex HMAC-SHA256>` over `v1:<timestamp>:<nonce>:` followed by the raw body. */
  signature: 'x-extplat-signature',
} as const;

/** Capability names of the manifest vocabulary that map to host imports. */
export const Capability = {
  Log: 'cap:log.emit',
  Context: 'cap:context.read',
  Secrets: 'cap:secrets.get',
  HttpFetch: 'cap:http.fetch',
  StorageKv: 'cap:storage.kv',
} as const;

/** Who and what an execution is for, as the gateway resolved it. */
export interface ExecuteClaims {
  requestId: string;
  tenantId: string;
  installId: string;
  /** The extension's id (its manifest name, reverse-DNS). */
  extensionId: string;
  version: string;
  /** `sha256:<hex>` of the bundle to run. */
  contentHash: string;
  userId: string | null;
  /** The matched endpoint's handler name. */
  handler: string;
  /** Path parameters of the matched endpoint, in path order. */
  params: [string, string][];
  /** Granted capabilities: the manifest's request ∩ the admin's grant. */
  capabilities: string[];
  /** Granted egress origins: the manifest's request ∩ the admin's grant. */
  egress: string[];
  /** The install's configuration, validated against the manifest's schema. */
  config: unknown;
  /** Changes whenever the install's version, grants, config or secrets change (instance reuse key). */
  configVersion: number;
  /** The install's secrets as `{name: value}` JSON, sealed for the Runner; null when none or not granted. */
  sealedSecrets: string | null;
  /** Wall-clock budget of the execution, host calls included. */
  deadlineMs: number;
}

/**
 * What one extension call may carry: the gateway refuses anything larger with a clear 4xx before calling
 * the Runner, and the Runner checks the same numbers on the signed body it receives. Lengths are string
 * lengths (UTF-16 code units) of the decoded values.
 */
export const EXECUTE_REQUEST_LIMITS = {
  /** The path below `/api/ext/{extensionId}`, still percent-encoded. */
  pathMaxChars: 4096,
  queryParamsMax: 256,
  /** Forwarded request headers (the allowlisted ones and `x-ext-*`). */
  headersMax: 256,
  /** A query parameter's or header's name. */
  nameMaxChars: 256,
  /** A query parameter's or header's value. */
  valueMaxChars: 8192,
  /** Parameters matched from the endpoint's path pattern. */
  pathParamsMax: 32,
} as const;

/**
 * Statuses an extension may answer with. Only final responses: a 1xx sent as the answer would leave the
 * caller's connection waiting for the real one.
 */
export const EXTENSION_STATUS_RANGE = { min: 200, max: 599 } as const;

export function isExtensionStatus(status: number): boolean {
  return Number.isInteger(status) && status >= EXTENSION_STATUS_RANGE.min && status <= EXTENSION_STATUS_RANGE.max;
}

export interface ExecuteHttpRequest {
  method: string;
  /** Path below `/api/ext/{extensionId}`, starting with `/`. */
  path: string;
  query: [string, string][];
  /** Forwarded request headers, names in lowercase. */
  headers: [string, string][];
  bodyB64: string;
}

/** `POST /v1/execute` body. */
export interface ExecuteRequestBody {
  claims: ExecuteClaims;
  request: ExecuteHttpRequest;
}

/** `POST /v1/execute` 200 answer: the extension's response (the gateway filters the headers). */
export interface ExecuteResponseBody {
  status: number;
  headers: [string, string][];
  bodyB64: string;
}

/**
 * Settings the API and the Runner must agree on (ARCHITECTURE §9.8), each as a digest: the endpoint is
 * public (the Runner's serves extension UIs too), and digests name a difference without revealing values.
 * Every digest is an HMAC-SHA256 keyed with (a key derived from) RUNNER_SHARED_SECRET, so a guess of a
 * value cannot be confirmed offline.
 */
export interface ConfigFingerprint {
  service: 'api' | 'runner';
  /** Keyed digest over the canonical JSON of `settings`. */
  fingerprint: string;
  settings: {
    /** Check value of the key itself: differs when the two sides hold different shared secrets. */
    sharedSecret: string;
    /** Keyed digest of the canonical bundle location: driver, endpoint or root, bucket, key prefix. */
    storage: string;
    signingPolicy: string;
    /** Keyed digest of the trust bundle PEM (line endings normalised; empty without one). */
    trustBundle: string;
    /** Keyed digest of the sorted revoked fingerprints. */
    revoked: string;
    /** Keyed digest of the sorted egress allowlist. */
    egressAllowlist: string;
  };
}

/** `GET /api/config-fingerprint` (API) and `GET /v1/config-fingerprint` (Runner). */
export const CONFIG_FINGERPRINT_PATHS = { api: '/api/config-fingerprint', runner: '/v1/config-fingerprint' } as const;

/**
 * `POST /v1/prewarm`: the API asks the Runner that owns a content hash to fetch, verify, unpack, transpile
 * and compile the bundle ahead of its first call (on install, enable and version switch). Signed exactly
 * like an execute request (same headers, same shared secret, nonces refused when replayed).
 */
export const RUNNER_PREWARM_PATH = '/v1/prewarm';

/** `POST /v1/prewarm` body. */
export interface PrewarmRequestBody {
  /** `sha256:<hex>` of a registered bundle. */
  contentHash: string;
}

/** Where a prewarm found the transpiled component. */
export type PrewarmSource =
  /** Already compiled in this Runner's memory: nothing was done. */
  | 'memory'
  /** The Runner's own disk cache (kept across restarts, per toolchain version). */
  | 'disk'
  /** A precompiled artifact another Runner shared through the bundle store, its integrity tag checked. */
  | 'shared'
  /** Transpiled here. */
  | 'transpiled';

/** `POST /v1/prewarm` 200 answer: the component is compiled and the next call of it is warm. */
export interface PrewarmResponseBody {
  contentHash: string;
  source: PrewarmSource;
  /** The bundle had to be fetched from the store (it was not in the Runner's bundle cache). */
  fetched: boolean;
  /** Wall-clock time of the prewarm on the Runner. */
  totalMs: number;
}
