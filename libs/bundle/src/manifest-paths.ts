/** Longest bundle path a manifest may name, in UTF-8 bytes (the common filesystem name limit). */
export const MAX_BUNDLE_PATH_BYTES = 255;
export const MAX_ENDPOINT_PATH_LENGTH = 256;

const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Why `path` is not a safe relative path of a file inside a bundle (ARCHITECTURE §3), or undefined when
 * it is one. The same rules as safe unpack, so a manifest can only name files that unpack can produce.
 */
export function bundlePathProblem(path: string): string | undefined {
  if (path === '') return 'must not be empty';
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_BUNDLE_PATH_BYTES)
    return `is ${bytes} bytes long; at most ${MAX_BUNDLE_PATH_BYTES} bytes are allowed`;
  if (/\p{Cc}/u.test(path)) return 'must not contain NUL or other control characters';
  if (path.includes('\\')) return 'must use "/" as separator; backslashes are not allowed';
  if (path.startsWith('/')) return 'must be relative to the bundle root (no leading "/")';
  if (path.endsWith('/')) return 'must name a file, not end in "/"';
  const segments = path.split('/');
  if (segments.includes('')) return 'must not contain empty segments ("//")';
  if (segments.includes('.') || segments.includes('..')) return 'must not contain "." or ".." segments';
  return undefined;
}

/**
 * Why `path` is not a valid API endpoint path, or undefined when it is one: `/` or `/`-separated
 * segments that are literals of `[A-Za-z0-9._~-]` or `:param` with a unique identifier name.
 */
export function endpointPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"';
  if (path.length > MAX_ENDPOINT_PATH_LENGTH) {
    return `is ${path.length} characters long; at most ${MAX_ENDPOINT_PATH_LENGTH} are allowed`;
  }
  if (path === '/') return undefined;
  const parameters = new Set<string>();
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'must not contain empty segments or end in "/" (only the root path "/" may)';
    if (segment.startsWith(':')) {
      const name = segment.slice(1);
      if (!PARAMETER_NAME.test(name)) {
        return `has parameter segment ${JSON.stringify(segment)}; a parameter is ":" followed by letters, digits and "_", not starting with a digit`;
      }
      if (parameters.has(name)) return `uses parameter ":${name}" twice; parameter names must be unique within a path`;
      parameters.add(name);
    } else if (!LITERAL_SEGMENT.test(segment)) {
      return `has segment ${JSON.stringify(segment)}; literal segments use only A-Z, a-z, 0-9 and "._~-"`;
    } else if (segment === '.' || segment === '..') {
      // URL normalisation would collapse these, so the route could never be requested as written.
      return 'must not contain "." or ".." segments';
    }
  }
  return undefined;
}

/** Canonical form of an API endpoint path for matching and duplicate detection: `/a/:id/b` → `/a/:/b`. */
export function endpointShape(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? ':' : segment))
    .join('/');
}
