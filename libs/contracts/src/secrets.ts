/**
 * Install secret names, as the secrets API takes them in its path and a manifest declares them in `secrets`:
 * safe in URL paths, logs and environment-like lookups. Case matters (`API_TOKEN` and `api-token` are two
 * secrets), which is why a manifest declares the names its handler reads.
 */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The rule of SECRET_NAME_PATTERN in words, for messages. */
export const SECRET_NAME_RULE = '1 to 64 letters, digits, "_", "." or "-"';

/** The largest secret value, in bytes of UTF-8. */
export const MAX_SECRET_BYTES = 8 * 1024;

export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}
