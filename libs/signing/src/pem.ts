const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical base64 only, or returns null. `Buffer.from(text, 'base64')` alone skips foreign
 * characters and ignores non-zero padding bits, so two different strings could carry the same bytes.
 */
export function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`. */
  type: string;
  /** The exact text of the block, BEGIN to END line. */
  text: string;
  /** The decoded body; null when it is not canonical base64 or carries RFC 1421 headers (legacy encryption). */
  der: Buffer | null;
}

export interface PemScan {
  blocks: PemBlock[];
  /** A BEGIN line without its END line: callers reject rather than silently drop the block. */
  incomplete: boolean;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order; text between blocks (comments in CA bundles) is ignored. */
export function scanPem(text: string): PemScan {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [whole, type = '', body = ''] = match;
    blocks.push({ type, text: whole, der: decodeBase64(body.replace(/\s+/g, '')) });
  }
  const begins = text.match(/-----BEGIN /g)?.length ?? 0;
  return { blocks, incomplete: begins !== blocks.length };
}

/** PEM with 64-character lines and a final newline, as openssl writes it. */
export function toPem(type: string, der: Uint8Array): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/.{64}(?=.)/g, '$&\n');
  return `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
}
