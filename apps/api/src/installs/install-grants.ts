import { KNOWN_CAPABILITIES } from '@extplat/bundle';
import { compareSemver } from '@extplat/contracts';
import { DomainError } from '@extplat/server-core';
import { InstallErrors } from './installs.errors.js';

/** What a version asks for, or what an admin grants: capabilities and egress origins. */
export interface Permissions {
  capabilities: string[];
  egress: string[];
}

/** The outcome of intersecting a version's request with an admin's grant. */
export interface GrantResolution {
  granted: Permissions;
  /** Requested by the version, withheld by the admin: the extension runs without them. */
  notGranted: Permissions;
  /** Granted by the admin, never requested by the version: ignored, never stored. */
  notRequested: Permissions;
}

export type VersionDirection = 'upgrade' | 'rollback' | 'same';

export interface VersionDiff {
  from: string;
  to: string;
  direction: VersionDirection;
  /** added: requested by the target but not granted now; removed: granted now, no longer requested. */
  capabilities: { added: string[]; removed: string[] };
  egress: { added: string[]; removed: string[] };
  /** The switch widens what the extension may do, so an admin must grant the additions explicitly. */
  requiresApproval: boolean;
}

const KNOWN: ReadonlySet<string> = new Set(KNOWN_CAPABILITIES);

/**
 * Checks an admin's grant and normalises it: capabilities must be known names; egress entries must be bare
 * origins (`https://host[:port]`), compared in `URL.origin` form, the form manifests store. Every problem is
 * reported at once as INVALID_GRANT with `issues: [{path, message}]`.
 */
export function normaliseGrant(grant: Permissions, path = 'grant'): Permissions {
  const issues: { path: string; message: string }[] = [];
  grant.capabilities.forEach((capability, index) => {
    if (!KNOWN.has(capability)) {
      issues.push({
        path: `${path}.capabilities[${index}]`,
        message: `unknown capability "${capability}"; known: ${KNOWN_CAPABILITIES.join(', ')}`,
      });
    }
  });
  const egress = grant.egress.map((entry, index) => {
    const origin = originOf(entry);
    if (origin === undefined) {
      issues.push({
        path: `${path}.egress[${index}]`,
        message: `must be an origin such as "https://api.example.com" (no path, query or credentials), got "${entry}"`,
      });
    }
    return origin ?? entry;
  });
  if (issues.length > 0) {
    throw new DomainError(InstallErrors.INVALID_GRANT, 'The grant is not valid', { issues });
  }
  return { capabilities: unique(grant.capabilities), egress: unique(egress) };
}

/** Granted = requested ∩ grant, in the version's order; and what fell out on either side. */
export function resolveGrant(requested: Permissions, grant: Permissions): GrantResolution {
  const side = (wanted: string[], given: string[]) => ({
    granted: wanted.filter((item) => given.includes(item)),
    notGranted: wanted.filter((item) => !given.includes(item)),
    notRequested: given.filter((item) => !wanted.includes(item)),
  });
  const capabilities = side(requested.capabilities, grant.capabilities);
  const egress = side(requested.egress, grant.egress);
  return {
    granted: { capabilities: capabilities.granted, egress: egress.granted },
    notGranted: { capabilities: capabilities.notGranted, egress: egress.notGranted },
    notRequested: { capabilities: capabilities.notRequested, egress: egress.notRequested },
  };
}

/**
 * What switching from the current install to `target` would change. Additions are measured against the
 * current *grant*, not the current version's request: something the admin withheld before is still an
 * addition that needs approval when the target asks for it again.
 */
export function diffVersions(
  current: { version: string; granted: Permissions },
  target: { version: string; requested: Permissions },
): VersionDiff {
  const added = (wanted: string[], held: string[]) => wanted.filter((item) => !held.includes(item));
  const capabilities = {
    added: added(target.requested.capabilities, current.granted.capabilities),
    removed: added(current.granted.capabilities, target.requested.capabilities),
  };
  const egress = {
    added: added(target.requested.egress, current.granted.egress),
    removed: added(current.granted.egress, target.requested.egress),
  };
  const order = compareSemver(target.version, current.version);
  return {
    from: current.version,
    to: target.version,
    direction: order > 0 ? 'upgrade' : order < 0 ? 'rollback' : 'same',
    capabilities,
    egress,
    requiresApproval: capabilities.added.length > 0 || egress.added.length > 0,
  };
}

/** Whether two permission sets hold the same items, order aside. */
export function samePermissions(a: Permissions, b: Permissions): boolean {
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((item) => y.includes(item));
  return same(a.capabilities, b.capabilities) && same(a.egress, b.egress);
}

/** `URL.origin` of a bare http(s) origin, or undefined for anything else (paths, credentials, other schemes). */
function originOf(text: string): string | undefined {
  if (!/^https?:\/\/[^/?#@\s]+\/?$/.test(text)) return undefined;
  try {
    const url = new URL(text);
    return url.hostname === '' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
