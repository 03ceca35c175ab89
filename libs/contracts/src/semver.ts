/**
 * Versions of extensions: SemVer 2.0.0 (https://semver.org), parsed, validated and ordered by one
 * implementation that the API, the CLI and the console share. Pure TypeScript, so browsers can import it.
 */

/** The grammar published on semver.org, without capture groups. */
export const SEMVER_PATTERN =
  /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/**
 * A parsed version. Numbers stay digit strings: the grammar puts no bound on them, and comparing them as
 * strings (shorter first, then by digits; the grammar forbids leading zeros) is exact at any size, where
 * `Number` would round past 2^53.
 */
export interface SemVer {
  major: string;
  minor: string;
  patch: string;
  /** Pre-release identifiers (`alpha`, `10`); empty for a release. */
  prerelease: readonly string[];
  /** Build metadata identifiers; they take no part in precedence. */
  build: readonly string[];
}

export function isSemver(text: unknown): text is string {
  return typeof text === 'string' && SEMVER_PATTERN.test(text);
}

/** The parts of `text`, or null when it is not a SemVer 2.0.0 version. */
export function parseSemver(text: string): SemVer | null {
  if (!isSemver(text)) return null;
  const plus = text.indexOf('+');
  const withoutBuild = plus < 0 ? text : text.slice(0, plus);
  const dash = withoutBuild.indexOf('-');
  const core = (dash < 0 ? withoutBuild : withoutBuild.slice(0, dash)).split('.');
  return {
    major: core[0] ?? '0',
    minor: core[1] ?? '0',
    patch: core[2] ?? '0',
    prerelease: dash < 0 ? [] : withoutBuild.slice(dash + 1).split('.'),
    build: plus < 0 ? [] : text.slice(plus + 1).split('.'),
  };
}

/**
 * SemVer 2.0.0 precedence (semver.org, item 11): -1, 0 or 1. Major, minor and patch compare numerically;
 * a pre-release sorts before its release; pre-release identifiers compare numerically when both are
 * numbers (`alpha.2 < alpha.10`), as ASCII when both are not, and a numeric one sorts before an
 * alphanumeric one; a shorter list of equal identifiers sorts first. Build metadata is ignored, so
 * `1.0.0+a` and `1.0.0+b` compare equal. Throws a TypeError for a string that is not a version: the
 * registry stores only valid ones, and a silent order for garbage would hide the bug that produced it.
 */
export function compareSemver(a: string, b: string): -1 | 0 | 1 {
  return compareParsedSemver(parseOrThrow(a), parseOrThrow(b));
}

export function compareParsedSemver(left: SemVer, right: SemVer): -1 | 0 | 1 {
  const core =
    compareDigits(left.major, right.major) ||
    compareDigits(left.minor, right.minor) ||
    compareDigits(left.patch, right.patch);
  if (core !== 0) return core;
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    // A release outranks its pre-releases.
    return sign(right.prerelease.length - left.prerelease.length);
  }
  const length = Math.min(left.prerelease.length, right.prerelease.length);
  for (let index = 0; index < length; index++) {
    const order = compareIdentifiers(left.prerelease[index] ?? '', right.prerelease[index] ?? '');
    if (order !== 0) return order;
  }
  return sign(left.prerelease.length - right.prerelease.length);
}

/** The highest version of `versions` by SemVer precedence, or undefined for none. */
export function maxSemver<T>(items: Iterable<T>, versionOf: (item: T) => string): T | undefined {
  let best: T | undefined;
  let bestVersion: SemVer | undefined;
  for (const item of items) {
    const version = parseOrThrow(versionOf(item));
    if (bestVersion === undefined || compareParsedSemver(version, bestVersion) > 0) {
      best = item;
      bestVersion = version;
    }
  }
  return best;
}

function parseOrThrow(text: string): SemVer {
  const parsed = parseSemver(text);
  if (!parsed) throw new TypeError(`not a SemVer 2.0.0 version: ${JSON.stringify(String(text).slice(0, 80))}`);
  return parsed;
}

const NUMERIC = /^\d+$/;

function compareIdentifiers(x: string, y: string): -1 | 0 | 1 {
  const xNumeric = NUMERIC.test(x);
  const yNumeric = NUMERIC.test(y);
  if (xNumeric && yNumeric) return compareDigits(x, y);
  if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Compares two digit strings without leading zeros as the numbers they spell. */
function compareDigits(x: string, y: string): -1 | 0 | 1 {
  if (x.length !== y.length) return sign(x.length - y.length);
  return x === y ? 0 : x < y ? -1 : 1;
}

function sign(value: number): -1 | 0 | 1 {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}
