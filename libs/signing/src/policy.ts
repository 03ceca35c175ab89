import type { ContentHash } from '@extplat/contracts';

/**
 * `enforce`: a missing or bad signature rejects the bundle. `warn`: unsigned bundles are accepted and
 * recorded as unsigned, but a present and invalid signature is still rejected. `off`: development only.
 */
export const SIGNING_POLICIES = ['enforce', 'warn', 'off'] as const;
export type SigningPolicy = (typeof SIGNING_POLICIES)[number];

/** `format` of the detached signature envelope (`bundle.tar.zst.sig`). */
export const SIGNATURE_FORMAT = 'extplat-signature/v1';

/** The exact ASCII message a publisher signs, so standard tools (openssl) can produce signatures. */
export function signedMessage(contentHash: ContentHash): string {
  return `extplat-bundle-signature/v1:${contentHash}`;
}
