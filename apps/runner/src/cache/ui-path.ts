import { posix } from 'node:path';
import { MANIFEST_PATH } from '@extplat/bundle';
import type { CachedBundle } from './bundle-cache.js';

/**
 * Decodes the path of an ext-ui request (the raw, still percent-encoded part after
 * `/ext-ui/<extensionId>/<contentHash>/`) into segments, or null when it is unsafe: a `..`, `.` or dot-file
 * segment, an encoded dot, slash, backslash or NUL (`%2e`, `%2f`, `%5c`, `%00`) whatever the case, a raw
 * backslash, a control character, an empty inner segment, or malformed percent-encoding. Working on the
 * raw form means no decoding layer can turn a harmless-looking request into a traversal.
 * A trailing `/` names a directory: `directory` is then true.
 */
export function parseUiRequestPath(raw: string): { segments: string[]; directory: boolean } | null {
  if (raw === '') return { segments: [], directory: true };
  if (raw.includes('\\')) return null;
  const segments = raw.split('/');
  const directory = segments.at(-1) === '';
  if (directory) segments.pop();
  const decoded: string[] = [];
  for (const segment of segments) {
    if (segment === '' || /%(?:2e|2f|5c|00)/i.test(segment)) return null;
    let text: string;
    try {
      text = decodeURIComponent(segment);
    } catch {
      return null;
    }
    // eslint-disable-next-line no-control-regex
    if (text.startsWith('.') || /[\u0000-\u001f\u007f/\\]/.test(text)) return null;
    decoded.push(text);
  }
  return { segments: decoded, directory };
}

/**
 * The bundle file an ext-ui request path serves, or null (404). Paths are relative to the directory of
 * `manifest.ui.entry` and never reach outside it; the manifest and the component are never served, even
 * when the UI lives at the bundle root. An empty path, a directory or an extension-less path that is not
 * a file falls back to the UI entry (client-side routing); a missing path with an extension is null, as
 * is everything of a bundle without a UI.
 */
export function resolveUiPath(bundle: Pick<CachedBundle, 'manifest' | 'files'>, rawPath: string): string | null {
  const ui = bundle.manifest.ui;
  if (!ui) return null;
  const parsed = parseUiRequestPath(rawPath);
  if (!parsed) return null;
  const { segments, directory } = parsed;
  const last = segments.at(-1);
  if (last === undefined) return ui.entry;
  const uiDir = posix.dirname(ui.entry);
  const relative = segments.join('/');
  const candidate = uiDir === '.' ? relative : `${uiDir}/${relative}`;
  const hidden = candidate === MANIFEST_PATH || candidate === bundle.manifest.entry;
  if (!directory && !hidden && bundle.files.has(candidate)) return candidate;
  return directory || !last.includes('.') ? ui.entry : null;
}
