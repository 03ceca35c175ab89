import type { Grant, VersionDiff } from '@extplat/api-client';

/**
 * The grant to send with a version switch: today's grant, minus what the target no longer requests, plus
 * only the additions the admin approved. Undefined when the target adds nothing: the API then carries the
 * current grant over by itself.
 */
export function grantForSwitch(granted: Grant, diff: VersionDiff, approved: ReadonlySet<string>): Grant | undefined {
  if (!diff.requiresApproval) return undefined;
  const side = (held: string[], change: { added: string[]; removed: string[] }) => [
    ...held.filter((item) => !change.removed.includes(item)),
    ...change.added.filter((item) => approved.has(item)),
  ];
  return { capabilities: side(granted.capabilities, diff.capabilities), egress: side(granted.egress, diff.egress) };
}
