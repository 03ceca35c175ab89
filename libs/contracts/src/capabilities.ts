/**
 * What each capability and egress grant lets an extension do, in words for the person granting it. The
 * console's consent screens and the CLI read this one catalog, so a capability is explained the same way
 * wherever it is requested or granted.
 */
import { classifyAddress } from './address-ranges.js';
import { Capability } from './runner.js';

export type CapabilityName = (typeof Capability)[keyof typeof Capability];

/** How much harm a grant can do if the extension misbehaves. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface GrantDescription {
  /** A short name for a list or a checkbox label. */
  title: string;
  /** What granting it allows, as one or two sentences. */
  description: string;
  risk: RiskLevel;
}

/** Every capability of the manifest vocabulary; the type makes a missing entry a compile error. */
export const CAPABILITY_CATALOG: Readonly<Record<CapabilityName, GrantDescription>> = {
  [Capability.Log]: {
    title: 'Write log lines',
    description:
      "Write messages to the platform's log, tagged with the request. Operators can read them; nothing leaves the platform.",
    risk: 'low',
  },
  [Capability.Context]: {
    title: 'Read the request context and its configuration',
    description:
      'See which tenant, install and user a call is for, and read the configuration you set for this install.',
    risk: 'low',
  },
  [Capability.Secrets]: {
    title: 'Read the secrets you set',
    description:
      'Read the values of the secrets set on this install, such as API tokens. Anyone who controls the extension can use them.',
    risk: 'high',
  },
  [Capability.HttpFetch]: {
    title: 'Send HTTP requests to the internet',
    description:
      'Send requests to the origins granted below and read the answers. Data the extension sees can be sent there.',
    risk: 'medium',
  },
  // Part of the manifest vocabulary, but no host import provides it yet (docs/security.md, Capabilities).
  [Capability.StorageKv]: {
    title: 'Store data (not available yet)',
    description:
      'Reserved for keeping key-value data between calls. The platform does not provide it yet, so granting it allows nothing today.',
    risk: 'low',
  },
};

export function isCapabilityName(value: string): value is CapabilityName {
  return Object.hasOwn(CAPABILITY_CATALOG, value);
}

/**
 * Describes a capability by name. A name the catalog lacks (say, requested by a newer platform) is shown as
 * itself and treated as high risk: consent to something unexplained must not look harmless.
 */
export function describeCapability(name: string): GrantDescription {
  if (isCapabilityName(name)) return CAPABILITY_CATALOG[name];
  return {
    title: name,
    description: 'A capability this platform does not describe. Grant it only if you know what it allows.',
    risk: 'high',
  };
}

/**
 * Describes an egress grant: the extension may send requests to `origin` (as manifests store it,
 * `https://host[:port]`). Plain HTTP and private or local hosts are high risk: the traffic can be read or
 * changed on the way, or it reaches services that were never meant to face an extension.
 */
export function describeEgressOrigin(origin: string): GrantDescription {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return {
      title: `Send requests to ${origin}`,
      description: 'An origin the platform cannot read. Do not grant it.',
      risk: 'high',
    };
  }
  const host = url.host;
  const plain = url.protocol === 'http:';
  const internal = internalHostWarning(url.hostname);
  const warnings = [
    plain ? 'The connection is not encrypted: anyone on the way can read or change it.' : '',
    internal ?? '',
  ].filter((warning) => warning !== '');
  return {
    title: `Send requests to ${host}`,
    description: [
      `Send HTTP requests to ${url.origin} and read the answers; data the extension sees can be sent there.`,
      ...warnings,
    ].join(' '),
    risk: plain || internal !== undefined ? 'high' : 'medium',
  };
}

/**
 * Why a host is not on the public internet, or undefined when it is. `hostname` comes from `URL`, which has
 * already turned odd IPv4 forms (`2130706433`, `0x7f.1`) into dotted decimal. A public DNS name is not
 * judged here: the Runner checks every address it resolves to.
 */
function internalHostWarning(hostname: string): string | undefined {
  const host = hostname.toLowerCase();
  const address = classifyAddress(host);
  if (address.kind === 'non-public') {
    const { purpose, cidr } = address.range;
    return `This is not a public internet address (${purpose}, ${cidr}): it reaches your own machine or private network.`;
  }
  if (address.kind === 'public') return undefined;
  if (host === 'localhost' || /\.(localhost|local|internal)$/.test(host)) {
    return 'This is a local or private network name, inside your own network.';
  }
  return undefined;
}
