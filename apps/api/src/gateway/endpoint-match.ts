import type { ManifestEndpoint } from '@extplat/bundle';

export interface EndpointMatch {
  endpoint: ManifestEndpoint;
  params: [string, string][];
}

/**
 * Splits a raw (still percent-encoded) path below `/api/ext/{extensionId}` into decoded segments, or
 * returns undefined for paths no endpoint can mean: empty or dot segments, encoded slashes, NUL, bad
 * escapes. Endpoints are matched on these segments, so `/a%2Fb` never matches `/a/b`.
 */
export function pathSegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  const parts = rawPath === '/' ? [] : rawPath.slice(1).replace(/\/$/, '').split('/');
  const segments: string[] = [];
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded)) return undefined;
    segments.push(decoded);
  }
  return segments;
}

/**
 * The declared endpoint for `method` and `segments`. A literal segment beats a `:param` at the same
 * position, so `/tickets/new` wins over `/tickets/:id` whatever their order in the manifest.
 */
export function matchEndpoint(
  endpoints: readonly ManifestEndpoint[],
  method: string,
  segments: readonly string[],
): EndpointMatch | undefined {
  let best: { match: EndpointMatch; score: string } | undefined;
  for (const endpoint of endpoints) {
    if (endpoint.method !== method) continue;
    const pattern = endpoint.path === '/' ? [] : endpoint.path.slice(1).replace(/\/$/, '').split('/');
    if (pattern.length !== segments.length) continue;
    const params: [string, string][] = [];
    let score = '';
    let matched = true;
    for (let index = 0; index < pattern.length; index++) {
      const part = pattern[index]!;
      if (part.startsWith(':')) {
        params.push([part.slice(1), segments[index]!]);
        score += '0';
      } else if (part === segments[index]) {
        score += '1';
      } else {
        matched = false;
        break;
      }
    }
    if (matched && (!best || score > best.score)) best = { match: { endpoint, params }, score };
  }
  return best?.match;
}
