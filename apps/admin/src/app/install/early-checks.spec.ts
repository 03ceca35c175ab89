import { checkBundleHead, checkSignatureDigest, checkSignaturePresent, checkSignatureText } from './early-checks';

const HASH = 'sha256:' + 'a'.repeat(64);
const envelope = (digest: string) => JSON.stringify({ format: 'extplat-signature/v1', digest });
const named = (bytes: number[], name: string) => new File([new Uint8Array(bytes)], name);

describe('the install wizard checks before uploading', () => {
  it('accepts a file that starts with the zstd magic', async () => {
    expect(await checkBundleHead(named([0x28, 0xb5, 0x2f, 0xfd, 0, 0], 'bundle.tar.zst'))).toBeNull();
  });

  it('refuses a gzip file or a plain tar renamed to .tar.zst, naming the file', async () => {
    const gzip = await checkBundleHead(named([0x1f, 0x8b, 0x08, 0x00], 'bundle.tar.zst'));
    expect(gzip).toMatchObject({
      code: 'NOT_ZSTD',
      message: 'bundle.tar.zst is not zstd-compressed, so it is not a bundle.',
    });
    const empty = await checkBundleHead(named([], 'empty.tar.zst'));
    expect(empty).toMatchObject({ code: 'NOT_ZSTD', message: 'empty.tar.zst is empty or too short to be a bundle.' });
  });

  it('refuses a .sig that is not an envelope', () => {
    expect(checkSignatureText('bundle.tar.zst.sig', envelope(HASH))).toBeNull();
    expect(checkSignatureText('notes.sig', 'hello')).toMatchObject({ code: 'SIGNATURE_MALFORMED' });
    expect(checkSignatureText('short.sig', envelope('sha256:abc'))).toMatchObject({ code: 'SIGNATURE_MALFORMED' });
  });

  it('asks for a signature only when the platform enforces them', () => {
    expect(checkSignaturePresent('enforce', null)).toMatchObject({ code: 'SIGNATURE_REQUIRED' });
    expect(checkSignaturePresent('enforce', 'bundle.tar.zst.sig')).toBeNull();
    expect(checkSignaturePresent('warn', null)).toBeNull();
    expect(checkSignaturePresent('off', null)).toBeNull();
    // Unknown policy (config not loaded): the server decides after the upload.
    expect(checkSignaturePresent(null, null)).toBeNull();
  });

  it('compares the digest the .sig signs with the computed hash', () => {
    expect(checkSignatureDigest('bundle.tar.zst.sig', envelope(HASH), HASH)).toBeNull();
    const other = 'sha256:' + 'b'.repeat(64);
    expect(checkSignatureDigest('old.sig', envelope(other), HASH)).toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: `old.sig signs ${other}, but this file's hash is ${HASH}: it belongs to other content.`,
    });
    expect(checkSignatureDigest('notes.sig', '{}', HASH)).toMatchObject({ code: 'SIGNATURE_MALFORMED' });
  });
});
