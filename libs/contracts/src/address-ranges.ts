/**
 * The one table of addresses that are not public unicast internet addresses. The Runner's egress gate
 * refuses them (unless an origin is allowed to be private) and the consent catalog rates an egress origin
 * on them high, so both read this module. Pure TypeScript on purpose: the console runs it in a browser,
 * where `node:net` does not exist.
 */

/** A range an extension must not reach unnoticed, and what it is for (for people reading a consent). */
export interface NonPublicRange {
  /** The range in CIDR notation, e.g. `169.254.0.0/16`. */
  cidr: string;
  purpose: string;
}

export type AddressClass =
  | { kind: 'public' }
  | { kind: 'non-public'; range: NonPublicRange }
  /** Not an IP literal in canonical form: a host name, or something to resolve first. */
  | { kind: 'not-an-address' };

interface CompiledRange extends NonPublicRange {
  bytes: Uint8Array;
  prefix: number;
}

// IANA special-purpose registries (RFC 6890 and its updates), the parts that are not globally reachable.
const IPV4_RANGES: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', '"this network"'],
  ['10.0.0.0/8', 'private network'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local, where cloud metadata services live'],
  ['172.16.0.0/12', 'private network'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private network'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved, broadcast'],
];

// IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are not listed: they are judged by the
// IPv4 address they carry, so ::ffff:127.0.0.1 is loopback and 64:ff9b::8.8.8.8 is public.
const IPV6_RANGES: readonly (readonly [string, string])[] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local (private network)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
];

const IPV4_TABLE = compile(IPV4_RANGES, parseIpv4);
const IPV6_TABLE = compile(IPV6_RANGES, parseIpv6);

const MAPPED_PREFIX = parseIpv6('::ffff:0:0')!.subarray(0, 12);
const NAT64_PREFIX = parseIpv6('64:ff9b::')!.subarray(0, 12);

/**
 * Classifies an IP literal: an IPv4 address in dotted decimal, or an IPv6 address with or without the
 * brackets a URL puts around it (a `%zone` suffix is ignored). Anything else is `not-an-address`; a URL
 * parser turns odd IPv4 forms (`2130706433`, `0x7f.1`) into dotted decimal first.
 */
export function classifyAddress(address: string): AddressClass {
  const v4 = parseIpv4(address);
  if (v4) return classifyIn(IPV4_TABLE, v4);
  const literal = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v6 = parseIpv6(literal.replace(/%.*$/s, ''));
  if (!v6) return { kind: 'not-an-address' };
  if (startsWith(v6, MAPPED_PREFIX) || startsWith(v6, NAT64_PREFIX)) return classifyIn(IPV4_TABLE, v6.subarray(12));
  return classifyIn(IPV6_TABLE, v6);
}

/** True when `address` is not a public unicast IP address; a host name is never treated as public. */
export function isNonPublicAddress(address: string): boolean {
  return classifyAddress(address).kind !== 'public';
}

function classifyIn(table: readonly CompiledRange[], bytes: Uint8Array): AddressClass {
  const range = table.find((entry) => inPrefix(bytes, entry.bytes, entry.prefix));
  return range ? { kind: 'non-public', range: { cidr: range.cidr, purpose: range.purpose } } : { kind: 'public' };
}

function compile(
  ranges: readonly (readonly [string, string])[],
  parse: (text: string) => Uint8Array | undefined,
): CompiledRange[] {
  return ranges.map(([cidr, purpose]) => {
    const [network = '', prefix = ''] = cidr.split('/');
    const bytes = parse(network);
    if (!bytes) throw new Error(`bad range ${cidr}`);
    return { cidr, purpose, bytes, prefix: Number(prefix) };
  });
}

function inPrefix(address: Uint8Array, network: Uint8Array, prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const width = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    if (((address[bit / 8]! ^ network[bit / 8]!) & mask) !== 0) return false;
  }
  return true;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

/** Four decimal octets, 0-255, without leading zeros (the canonical form; other forms are not parsed). */
function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [index, part] of parts.entries()) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes[index] = Number(part);
  }
  return bytes;
}

/** RFC 4291 text forms: eight groups, one `::`, and an optional dotted IPv4 tail. */
function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const groups: number[] = [];
  const words = (list: string[], allowIpv4Tail: boolean): number[] | undefined => {
    const out: number[] = [];
    for (const [index, word] of list.entries()) {
      if (allowIpv4Tail && index === list.length - 1 && word.includes('.')) {
        const v4 = parseIpv4(word);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(word)) {
        out.push(parseInt(word, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const first = words(head, halves.length === 1);
  const last = words(tail, true);
  if (!first || !last) return undefined;
  if (halves.length === 1) {
    if (first.length !== 8) return undefined;
    groups.push(...first);
  } else {
    const missing = 8 - first.length - last.length;
    if (missing < 1) return undefined;
    groups.push(...first, ...new Array<number>(missing).fill(0), ...last);
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}
