import type { ManifestSecret } from '@extplat/bundle';

/**
 * What a version's declared secrets mean for an install (ARCHITECTURE §7). `declared` is undefined when
 * the manifest declares none: then any name may be set, as before manifests could declare them.
 */

/** The declared secrets that are required and not among `setNames`, in the manifest's order. */
export function missingRequiredSecrets(declared: ManifestSecret[] | undefined, setNames: readonly string[]): string[] {
  return (declared ?? [])
    .filter((secret) => secret.required && !setNames.includes(secret.name))
    .map((secret) => secret.name);
}

/** Whether an install of a version with `declared` secrets may set `name`. */
export function mayStoreSecret(declared: ManifestSecret[] | undefined, name: string): boolean {
  return declared === undefined || declared.some((secret) => secret.name === name);
}
