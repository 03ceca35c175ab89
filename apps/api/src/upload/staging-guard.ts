import type { KeyPolicy } from '@extplat/storage';

/** The sweeper was about to touch a key outside the staging area: a bug or corrupt data, never an action. */
export class StagingGuardError extends Error {
  override readonly name = 'StagingGuardError';

  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`GC refuses to touch ${key}: ${reason}`);
  }
}

/**
 * The one check before the sweeper aborts, lists or deletes anything: the key must be a staging key
 * (`<stagingBase><uploadId>/<file>`). Canonical objects are write-once published bundles; the sweeper must
 * never touch one, whatever a session row or a listing says.
 */
export function assertStagingKey(keys: KeyPolicy, key: string): { uploadId: string; file: string } {
  const parsed = keys.parse(key);
  if (parsed?.kind === 'canonical' || key.startsWith(keys.canonicalBase)) {
    throw new StagingGuardError(key, 'it is a canonical key');
  }
  if (parsed?.kind !== 'staging') {
    throw new StagingGuardError(key, `it is not a staging key (${keys.stagingBase}<uploadId>/<file>)`);
  }
  return { uploadId: parsed.uploadId, file: parsed.file };
}
