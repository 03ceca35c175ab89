import { BundleError } from './errors.js';
import { bundlePathProblem } from './manifest-paths.js';
import type { BundleLimits } from './limits.js';

/**
 * Checks one archive path against the rules of ARCHITECTURE §3 (the same rules a manifest's paths follow)
 * and returns it without a directory's trailing slash.
 */
export function checkEntryPath(raw: string, limits: Pick<BundleLimits, 'maxPathBytes' | 'maxPathDepth'>): string {
  const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  if (Buffer.byteLength(path, 'utf8') > limits.maxPathBytes) {
    throw new BundleError('PATH_TOO_LONG', `entry path is longer than ${limits.maxPathBytes} bytes`, {
      entry: printable(raw.slice(0, 80)),
      limit: limits.maxPathBytes,
    });
  }
  const problem = bundlePathProblem(path);
  if (problem !== undefined) {
    throw new BundleError('UNSAFE_PATH', `entry "${printable(raw)}" ${problem}`, { entry: printable(raw) });
  }
  if (path.split('/').length > limits.maxPathDepth) {
    throw new BundleError('PATH_TOO_LONG', `entry is nested deeper than ${limits.maxPathDepth} levels`, {
      entry: printable(raw),
      limit: limits.maxPathDepth,
    });
  }
  return path;
}

/** Key under which two paths collide on case-insensitive or normalising filesystems. */
export function foldedPath(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/**
 * Tracks the entries seen so far: rejects exact and case-folded duplicates, and a path that is both a
 * file and a directory (`a` as a file, then `a/b`).
 */
export class EntryRegistry {
  /** Every path known so far, explicit or implied by a deeper entry, by its folded key. */
  private readonly kinds = new Map<string, 'file' | 'directory'>();
  /** Paths that had an entry of their own: a second one is a duplicate, even for a directory. */
  private readonly explicit = new Set<string>();

  add(path: string, kind: 'file' | 'directory'): void {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join('/');
      const known = this.kinds.get(foldedPath(parent));
      if (known === 'file') {
        throw new BundleError('DUPLICATE_ENTRY', `entry "${path}" is inside "${parent}", which is a file`, {
          entry: path,
        });
      }
      if (known === undefined) this.kinds.set(foldedPath(parent), 'directory');
    }
    const key = foldedPath(path);
    const known = this.kinds.get(key);
    if (this.explicit.has(key) || (known !== undefined && known !== kind)) {
      throw new BundleError(
        'DUPLICATE_ENTRY',
        `entry "${path}" appears more than once (names are compared case-insensitively)`,
        { entry: path },
      );
    }
    this.explicit.add(key);
    this.kinds.set(key, kind);
  }
}

/** A path made safe for messages: control characters shown as \u escapes. */
export function printable(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
