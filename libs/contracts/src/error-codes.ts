/**
 * Every error code the API and the Runner answer with: its HTTP status, and the words the console shows
 * (a title saying what happened, an action saying what to do next). Server modules declare the codes they
 * throw with `defineErrorCodes([...])` (libs/server-core), which refuses a code missing here and takes the
 * status from here; the console explains a failure from the same entry. Add a code here first.
 */

export interface ErrorCodeInfo {
  /** The HTTP status of a response carrying this code. */
  status: number;
  /** What happened, as a short heading. */
  title: string;
  /** What to do next, for the person reading it. */
  action: string;
}

const RETRY = 'Try again in a moment; if it persists, give the request id to an operator.';
const CHECK_INPUT = 'Check what you entered and try again.';
const SIGN_AGAIN = 'Sign the bundle again with `extctl sign` and upload it with the new .sig.';

/**
 * Codes of bundle signing and signature verification (libs/signing). A rejected signature answers 422 with
 * the failed check's own code; the last four come from signing and key handling in extctl.
 */
export const SIGNING_ERROR_CODES = [
  'SIGNATURE_REQUIRED',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_INVALID',
  'UNSUPPORTED_ALGORITHM',
  'SIGNER_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'KEY_USAGE_INVALID',
  'PUBLISHER_MISMATCH',
  'DIGEST_MISMATCH',
  'TRUST_BUNDLE_INVALID',
  'KEY_CERT_MISMATCH',
  'PRIVATE_KEY_INVALID',
  'CERTIFICATE_INVALID',
] as const;
export type SigningErrorCode = (typeof SIGNING_ERROR_CODES)[number];

const signature = (action: string): ErrorCodeInfo => ({ status: 422, title: 'Signature rejected', action });

export const ERROR_CATALOG = {
  // Common to every module (libs/server-core).
  VALIDATION_FAILED: { status: 400, title: 'Invalid request', action: 'Correct the fields named below and try again.' },
  BAD_REQUEST: { status: 400, title: 'Request failed', action: CHECK_INPUT },
  /** A string of the request (body, key, query) holds a NUL or a lone UTF-16 surrogate. */
  INVALID_TEXT: {
    status: 400,
    title: 'Unusable characters',
    action: 'Remove control characters (such as NUL) or broken characters from the field named here.',
  },
  /** The request body nests objects and arrays deeper than the server's limit. */
  JSON_TOO_DEEP: {
    status: 400,
    title: 'Request nested too deeply',
    action: 'Flatten the data you send and try again.',
  },
  UNAUTHENTICATED: { status: 401, title: 'Session expired', action: 'Sign in again; you will come back to this page.' },
  FORBIDDEN: {
    status: 403,
    title: 'Not allowed',
    action: 'Ask a platform admin (or your tenant admin) to do this, or to give you a role that may.',
  },
  NOT_FOUND: { status: 404, title: 'Not found', action: 'It may have been removed: reload the page.' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Request failed', action: CHECK_INPUT },
  CONFLICT: { status: 409, title: 'Changed meanwhile', action: 'Reload the page and try again.' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request too large', action: 'Send less data at once.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type', action: CHECK_INPUT },
  RATE_LIMITED: { status: 429, title: 'Too many requests', action: 'Wait a minute and try again.' },
  INTERNAL_ERROR: { status: 500, title: 'Server error', action: RETRY },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', action: 'Try again in a few seconds.' },

  // Authentication and identity.
  /** Wrong email or password; deliberately never says which. */
  INVALID_CREDENTIALS: { status: 401, title: 'Sign-in failed', action: 'Check the email and the password.' },
  SESSION_EXPIRED: { status: 401, title: 'Session expired', action: 'Sign in again; you will come back to this page.' },
  /** The session was ended before its expiry (password changed, user disabled or deleted). */
  SESSION_REVOKED: { status: 401, title: 'Session ended', action: 'Sign in again with the current password.' },
  API_KEY_REVOKED: { status: 401, title: 'API key revoked', action: 'Create a new API key and use it instead.' },
  API_KEY_EXPIRED: { status: 401, title: 'API key expired', action: 'Create a new API key and use it instead.' },
  /** A route declares neither `@Public()` nor `@Authenticated`: denied, whoever calls. */
  ROUTE_NOT_DECLARED: { status: 403, title: 'Not allowed', action: 'This route is closed; report it to an operator.' },
  /** A platform admin has no tenant; a tenant admin or member needs one. */
  INVALID_ROLE_SCOPE: {
    status: 400,
    title: 'Role and tenant disagree',
    action: 'Give a tenant for a tenant admin or member, and none for a platform admin.',
  },
  TENANT_NOT_FOUND: { status: 404, title: 'Tenant not found', action: 'Pick an existing tenant.' },
  TENANT_SLUG_TAKEN: { status: 409, title: 'Tenant exists', action: 'Choose another slug.' },
  EMAIL_TAKEN: { status: 409, title: 'Email in use', action: 'Use another email, or manage the existing user.' },
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found', action: 'Reload the list of keys.' },
  /** No user has that id, or not in the caller's tenant (never said which). */
  USER_NOT_FOUND: { status: 404, title: 'User not found', action: 'Reload the list of users.' },
  /** Disabling, deleting, re-roling or resetting the password of oneself. */
  CANNOT_MANAGE_SELF: { status: 409, title: 'Not on yourself', action: 'Another admin must make this change.' },
  LAST_PLATFORM_ADMIN: {
    status: 409,
    title: 'Last platform admin',
    action: 'Make another user platform admin first: the platform must keep one.',
  },
  CURRENT_PASSWORD_WRONG: { status: 403, title: 'Wrong password', action: 'Enter your current password correctly.' },

  // Uploads and publication.
  BUNDLE_TOO_LARGE: {
    status: 413,
    title: 'Bundle too large',
    action: 'Make the bundle smaller (leave out unneeded UI assets), or ask an operator to raise BUNDLE_MAX_BYTES.',
  },
  UPLOAD_NOT_FOUND: { status: 404, title: 'Upload no longer open', action: 'Start the upload again.' },
  UPLOAD_NOT_OWNED: {
    status: 403,
    title: 'Upload started by someone else',
    action: 'Only whoever started an upload can continue it. Start your own upload of the bundle.',
  },
  UPLOAD_EXPIRED: { status: 410, title: 'Upload no longer open', action: 'Start the upload again.' },
  UPLOAD_IN_PROGRESS: { status: 409, title: 'Upload busy', action: 'Wait for the running step to finish.' },
  UPLOAD_INCOMPLETE: { status: 409, title: 'Upload incomplete', action: 'Resume the upload so every part arrives.' },
  WRONG_STRATEGY: { status: 409, title: 'Upload failed', action: 'Start the upload again.' },
  INVALID_PART_NUMBER: { status: 400, title: 'Upload failed', action: 'Start the upload again.' },
  PART_SIZE_MISMATCH: {
    status: 400,
    title: 'The file changed',
    action: 'A part did not have the expected size. Pick the file again and upload it anew.',
  },
  NOT_ZSTD: {
    status: 415,
    title: 'Not a valid bundle',
    action: 'Upload the bundle.tar.zst that `extctl pack` wrote, unchanged.',
  },
  HASH_MISMATCH: {
    status: 400,
    title: 'The file changed',
    action: 'The bytes that arrived differ from the file you picked. Pick the file again and upload it anew.',
  },
  INVALID_BUNDLE: {
    status: 422,
    title: 'Not a valid bundle',
    action: 'Upload the bundle.tar.zst that `extctl pack` wrote, unchanged.',
  },
  INVALID_MANIFEST: {
    status: 422,
    title: 'Invalid manifest',
    action: 'Fix manifest.json, pack and sign the bundle again, then upload the new files.',
  },
  VERSION_EXISTS: {
    status: 409,
    title: 'Version already exists',
    action: 'Bump "version" in manifest.json, pack and sign again, then upload the new bundle.',
  },
  EXTENSION_OWNED_BY_OTHER_PUBLISHER: {
    status: 409,
    title: 'Name taken by another publisher',
    action: 'Choose another extension name, or publish with the owning publisher.',
  },

  // Registry.
  EXTENSION_NOT_FOUND: { status: 404, title: 'Extension not found', action: 'Go back to the extension list.' },
  VERSION_NOT_FOUND: { status: 404, title: 'Version not found', action: "Pick a version from the extension's list." },
  INVALID_CURSOR: { status: 400, title: 'List out of date', action: 'Reload the list from its first page.' },

  // Installs.
  INSTALL_NOT_FOUND: { status: 404, title: 'Not installed', action: 'Reload the page: it may have been uninstalled.' },
  ALREADY_INSTALLED: {
    status: 409,
    title: 'Already installed',
    action: 'Open the extension to change its version or state.',
  },
  /** Yanked versions keep running where installed, but nothing new may move onto them. */
  VERSION_YANKED: { status: 409, title: 'Version yanked', action: 'Choose a version that is not yanked.' },
  /** `details.issues` lists every problem by path. */
  INVALID_CONFIG: {
    status: 400,
    title: 'Invalid configuration',
    action: 'Correct the configuration fields listed below and try again.',
  },
  /** The target version requests capabilities or egress beyond the current grant; `details` holds the diff. */
  APPROVAL_REQUIRED: {
    status: 409,
    title: 'Approval required',
    action: 'Review what the version adds and approve it to switch.',
  },
  /** The grant names an unknown capability or an egress entry that is not an origin. */
  INVALID_GRANT: {
    status: 400,
    title: 'Invalid grant',
    action: 'Grant only capabilities and origins the version asks for.',
  },
  SECRET_NOT_FOUND: { status: 404, title: 'Secret not found', action: 'Reload the list of secrets.' },
  /** The version's manifest declares its secrets and this name is not among them (`details.declared`). */
  SECRET_NOT_DECLARED: {
    status: 400,
    title: 'Secret not declared',
    action: 'Use one of the secret names the installed version declares; names are case-sensitive.',
  },
  /** A secret was sealed under a key id EXT_SECRETS_KEY no longer lists: a configuration problem. */
  SECRETS_KEY_UNKNOWN: {
    status: 500,
    title: 'Server error',
    action: 'A secrets key is missing from the configuration: tell an operator.',
  },

  // The gateway (extension calls through the API).
  /** Platform admins act across tenants and cannot call extensions. */
  TENANT_REQUIRED: { status: 403, title: 'No tenant', action: 'Call extensions as a user or key of a tenant.' },
  EXTENSION_NOT_INSTALLED: {
    status: 404,
    title: 'Not installed',
    action: 'Ask a tenant admin to install the extension.',
  },
  EXTENSION_DISABLED: { status: 403, title: 'Extension disabled', action: 'Ask a tenant admin to enable it.' },
  /** No endpoint declared in the manifest matches the method and path. */
  ENDPOINT_NOT_FOUND: {
    status: 404,
    title: 'No such endpoint',
    action: "Check the path against the extension's endpoints.",
  },
  REQUEST_BODY_TOO_LARGE: { status: 413, title: 'Request too large', action: 'Send a smaller body.' },
  /** The client closed the connection before its request body was complete. */
  REQUEST_ABORTED: { status: 400, title: 'Request interrupted', action: 'Send the request again.' },
  TOO_MANY_QUERY_PARAMETERS: { status: 400, title: 'Too many query parameters', action: 'Send fewer parameters.' },
  REQUEST_URI_TOO_LONG: { status: 414, title: 'Address too long', action: 'Shorten the path or the query.' },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, title: 'Headers too large', action: 'Send fewer or shorter headers.' },
  EXTENSION_TIMEOUT: {
    status: 504,
    title: 'Extension timed out',
    action: 'Try again; if it persists, tell the publisher.',
  },
  /** The extension failed, or its bundle could not be used. */
  EXTENSION_FAILED: {
    status: 502,
    title: 'Extension failed',
    action: 'Try again; if it persists, tell the publisher.',
  },
  /** The extension answered something that is not a final HTTP response. */
  INVALID_EXTENSION_RESPONSE: {
    status: 502,
    title: 'Extension failed',
    action: 'The extension gave an unusable answer: tell the publisher.',
  },
  RUNNER_UNAVAILABLE: { status: 503, title: 'Extensions unavailable', action: 'Try again in a few seconds.' },
  /** No worker came free within the queue budget; retry after `Retry-After`. */
  RUNNER_BUSY: {
    status: 503,
    title: 'Extension busy',
    action: 'The extension runner is at capacity: try again in a few seconds.',
  },

  // The Runner's execute endpoint (called by the gateway, not by people).
  /** Missing, malformed or wrong HMAC signature, or a timestamp outside the allowed skew. */
  EXECUTE_UNAUTHORIZED: {
    status: 401,
    title: 'Runner refused the call',
    action: 'Check that the API and the Runner share one RUNNER_SHARED_SECRET.',
  },
  /** A nonce the Runner has already accepted. */
  EXECUTE_REPLAYED: { status: 401, title: 'Runner refused the call', action: 'Send a fresh request.' },
  INVALID_EXECUTE_REQUEST: { status: 400, title: 'Runner refused the call', action: RETRY },
  EXECUTE_BODY_TOO_LARGE: { status: 413, title: 'Request too large', action: 'Send a smaller body.' },
  // Runner prewarm (POST /v1/prewarm): the API only logs these; an install never fails because of them.
  REPLAY_CACHE_UNAVAILABLE: {
    status: 503,
    title: 'Runner cannot check replays',
    action: 'Redis (REDIS_URL) is unreachable from the Runner; calls resume when it is back.',
  },
  PREWARM_UNAUTHORIZED: {
    status: 401,
    title: 'Runner refused the prewarm',
    action: 'Check that the API and the Runner share one RUNNER_SHARED_SECRET.',
  },
  PREWARM_REPLAYED: { status: 401, title: 'Runner refused the prewarm', action: 'Send a fresh request.' },
  INVALID_PREWARM_REQUEST: { status: 400, title: 'Runner refused the prewarm', action: RETRY },
  PREWARM_BODY_TOO_LARGE: { status: 413, title: 'Request too large', action: 'Send only {contentHash}.' },
  EXECUTION_TIMEOUT: {
    status: 504,
    title: 'Extension timed out',
    action: 'Try again; if it persists, tell the publisher.',
  },
  EXTENSION_OUT_OF_MEMORY: {
    status: 502,
    title: 'Extension out of memory',
    action: 'Try a smaller request; if it persists, tell the publisher.',
  },
  CAPABILITY_NOT_GRANTED: {
    status: 502,
    title: 'Extension failed',
    action: 'The extension used a capability its install does not grant: review the grant.',
  },
  COMPONENT_REJECTED: {
    status: 502,
    title: 'Extension failed',
    action: 'The extension cannot run here: tell the publisher.',
  },
  /** The registered bundle is missing from the store. */
  BUNDLE_UNAVAILABLE: { status: 502, title: 'Extension unavailable', action: RETRY },

  // The Runner's bundle cache; the bundle store is its upstream, so unusable content there is a 502.
  BUNDLE_NOT_FOUND: { status: 404, title: 'Bundle not found', action: RETRY },
  BUNDLE_INTEGRITY: { status: 502, title: 'Extension unavailable', action: RETRY },
  BUNDLE_INVALID: { status: 502, title: 'Extension unavailable', action: RETRY },
  SIGNATURE_REJECTED: { status: 502, title: 'Extension unavailable', action: RETRY },
  STORAGE_UNAVAILABLE: { status: 503, title: 'Service unavailable', action: 'Try again in a few seconds.' },
  /** The cache volume is full (ENOSPC, or the user's quota): retry once space is freed. */
  CACHE_FULL: {
    status: 503,
    title: 'Service unavailable',
    action: 'Try again shortly; an operator may need to free space.',
  },

  // Signatures (libs/signing).
  SIGNATURE_REQUIRED: signature(
    'This platform only accepts signed bundles: sign it with `extctl sign` and pick the .sig too.',
  ),
  SIGNATURE_MALFORMED: signature(SIGN_AGAIN),
  SIGNATURE_INVALID: signature(SIGN_AGAIN),
  UNSUPPORTED_ALGORITHM: signature(SIGN_AGAIN),
  SIGNER_UNTRUSTED: signature("Sign with a certificate issued by a CA in the platform's trust bundle."),
  CERT_EXPIRED: signature('Renew the signing certificate and sign again.'),
  CERT_NOT_YET_VALID: signature('The certificate is not valid yet: wait, or sign with a current one.'),
  CERT_REVOKED: signature('This certificate is revoked: sign with a new one.'),
  KEY_USAGE_INVALID: signature('Sign with a certificate issued for code signing.'),
  PUBLISHER_MISMATCH: signature(
    'The certificate must be issued to the manifest\'s "publisher". Sign with that publisher\'s key and certificate.',
  ),
  DIGEST_MISMATCH: signature(
    'The .sig belongs to other content: pick the .sig written for this bundle, or sign it again.',
  ),
  TRUST_BUNDLE_INVALID: signature('The trust bundle cannot be read: an operator must fix it.'),
  KEY_CERT_MISMATCH: signature('The private key does not belong to the certificate: use the matching pair.'),
  PRIVATE_KEY_INVALID: signature('The private key cannot be read: check the file.'),
  CERTIFICATE_INVALID: signature('The certificate cannot be read: check the file.'),
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code);
}

/** The catalog entry of `code`, or undefined for a code the servers do not answer with. */
export function errorCodeInfo(code: string): ErrorCodeInfo | undefined {
  return isErrorCode(code) ? ERROR_CATALOG[code] : undefined;
}

export function isSigningErrorCode(code: string): code is SigningErrorCode {
  return (SIGNING_ERROR_CODES as readonly string[]).includes(code);
}
