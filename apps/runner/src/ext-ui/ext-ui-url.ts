import { contentHashFromHex, type ContentHash } from '@extplat/contracts';

export const EXT_UI_PREFIX = '/ext-ui/';

/** A manifest `name`: lowercase reverse-DNS, at least two segments, at most 128 characters (ARCHITECTURE §3). */
const EXTENSION_ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
/** The colon may arrive percent-encoded; nothing else in a content hash can. */
const CONTENT_HASH = /^sha256(?::|%3[aA])([0-9a-f]{64})$/;

export interface ExtUiRequest {
  extensionId: string;
  contentHash: ContentHash;
  /** The raw (still percent-encoded) rest of the path; `resolveUiPath` decides what it names. */
  path: string;
}

/**
 * Splits the raw request URL (`req.originalUrl`, never Express's decoded params, so encoded tricks stay
 * visible) into `/ext-ui/<extensionId>/<contentHash>/<path>`. Null for anything malformed: an unknown
 * shape of id or hash (uppercase hex included, since hashes are lowercase everywhere) → 404.
 */
export function parseExtUiUrl(rawUrl: string): ExtUiRequest | null {
  const query = rawUrl.indexOf('?');
  const pathname = query === -1 ? rawUrl : rawUrl.slice(0, query);
  if (!pathname.startsWith(EXT_UI_PREFIX)) return null;
  const rest = pathname.slice(EXT_UI_PREFIX.length);
  const firstSlash = rest.indexOf('/');
  if (firstSlash === -1) return null;
  const extensionId = rest.slice(0, firstSlash);
  const secondSlash = rest.indexOf('/', firstSlash + 1);
  const rawHash = secondSlash === -1 ? rest.slice(firstSlash + 1) : rest.slice(firstSlash + 1, secondSlash);
  if (extensionId.length > 128 || !EXTENSION_ID.test(extensionId)) return null;
  const hex = CONTENT_HASH.exec(rawHash)?.[1];
  if (hex === undefined) return null;
  return {
    extensionId,
    contentHash: contentHashFromHex(hex),
    path: secondSlash === -1 ? '' : rest.slice(secondSlash + 1),
  };
}
