/**
 * What each capability and egress grant lets an extension do, in words for the person granting it. The
 * console's consent screens and the CLI read this one catalog, so a capability is explained the same way
 * wherever it is requested or granted.
 */
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
  [Capability.StorageKv]: {
    title: 'Store data',
    description: 'Keep its own key-value data for this install between calls.',
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
  const internal = isInternalHost(url.hostname);
  const warnings = [
    plain ? 'The connection is not encrypted: anyone on the way can read or change it.' : '',
    internal ? 'This is a local or private network address, inside your own network.' : '',
  ].filter((warning) => warning !== '');
  return {
    title: `Send requests to ${host}`,
    description: [
      `Send HTTP requests to ${url.origin} and read the answers; data the extension sees can be sent there.`,
      ...warnings,
    ].join(' '),
    risk: plain || internal ? 'high' : 'medium',
  };
}

function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || /\.(localhost|local|internal)$/.test(host)) return true;
  if (host.startsWith('[')) return host === '[::1]' || /^\[(f[cd]|fe[89ab])/.test(host);
  const octets = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host)?.slice(1).map(Number);
  if (octets === undefined) return false;
  const [a = 0, b = 0] = octets;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}
