import { describe, expect, it } from '@jest/globals';
import { isStorageError } from './errors.js';
import { KeyPolicy, assertHexDigest, assertSafeKey, assertSafePrefix, contentHashToHex } from './key-policy.js';

const HEX = 'a'.repeat(64);
const UPLOAD_ID = 'Upload_01-abc';

function invalidKey(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(isStorageError(caught, 'INVALID_KEY')).toBe(true);
}

describe('assertSafeKey', () => {
  it.each(['a', 'sha256/abc/bundle.tar.zst', 'staging/u1/part-0001', 'a b/ü+c', 'a..b', 'x'.repeat(1024)])(
    'accepts %j',
    (key) => {
      expect(() => assertSafeKey(key)).not.toThrow();
    },
  );

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(1025)],
    ['absolute', '/abs'],
    ['parent segment', '../x'],
    ['parent segment inside', 'a/../b'],
    ['dot segment', 'a/./b'],
    ['empty segment', 'a//b'],
    ['trailing slash', 'a/'],
    ['hidden segment', 'a/.hidden'],
    ['hidden first segment', '.extplat/meta'],
    ['backslash', 'a\\b'],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
  ])('rejects %s', (_rule, key) => {
    invalidKey(() => assertSafeKey(key));
  });
});

describe('assertSafePrefix', () => {
  it.each(['', 'staging/', 'sha256/ab', 'a/b/'])('accepts %j', (prefix) => {
    expect(() => assertSafePrefix(prefix)).not.toThrow();
  });

  it.each(['/', '../', 'a//', '/a/', '.extplat/', 'a/../'])('rejects %j', (prefix) => {
    invalidKey(() => assertSafePrefix(prefix));
  });
});

describe('content hashes', () => {
  it('takes the bare hex out of sha256:<hex>', () => {
    expect(contentHashToHex(`sha256:${HEX}`)).toBe(HEX);
  });

  it.each([
    ['uppercase hex', `sha256:${'A'.repeat(64)}`],
    ['short', `sha256:${'a'.repeat(63)}`],
    ['long', `sha256:${'a'.repeat(65)}`],
    ['other algorithm', `sha512:${HEX}`],
    ['no algorithm', HEX],
    ['non-hex', `sha256:${'g'.repeat(64)}`],
  ])('rejects %s', (_rule, value) => {
    invalidKey(() => contentHashToHex(value));
  });

  it('rejects uppercase and wrong-length bare hex', () => {
    invalidKey(() => assertHexDigest('A'.repeat(64)));
    invalidKey(() => assertHexDigest('a'.repeat(63)));
  });
});

describe('KeyPolicy', () => {
  const policy = new KeyPolicy();

  it('builds canonical keys from a content hash or bare hex', () => {
    expect(policy.canonical(`sha256:${HEX}`, 'bundle.tar.zst')).toBe(`sha256/${HEX}/bundle.tar.zst`);
    expect(policy.canonical(HEX, 'manifest.json')).toBe(`sha256/${HEX}/manifest.json`);
  });

  it('rejects canonical keys for malformed hashes', () => {
    invalidKey(() => policy.canonical('A'.repeat(64), 'bundle.tar.zst'));
    invalidKey(() => policy.canonical('sha256:../../etc', 'bundle.tar.zst'));
    invalidKey(() => policy.canonical(`sha256:${'A'.repeat(64)}`, 'bundle.tar.zst'));
  });

  it('builds staging keys and rejects unsafe upload ids and file names', () => {
    expect(policy.staging(UPLOAD_ID, 'bundle.tar.zst')).toBe(`staging/${UPLOAD_ID}/bundle.tar.zst`);
    expect(policy.stagingPrefix(UPLOAD_ID)).toBe(`staging/${UPLOAD_ID}/`);
    invalidKey(() => policy.stagingPrefix('short'));
    invalidKey(() => policy.stagingPrefix('../../../x'));
    invalidKey(() => policy.stagingPrefix('_leading-underscore'));
    invalidKey(() => policy.stagingPrefix('x'.repeat(129)));
    invalidKey(() => policy.staging(UPLOAD_ID, '../escape'));
    invalidKey(() => policy.staging(UPLOAD_ID, '.hidden'));
    invalidKey(() => policy.staging(UPLOAD_ID, 'a/b'));
    invalidKey(() => policy.staging(UPLOAD_ID, ''));
  });

  it('accepts custom bases', () => {
    const custom = new KeyPolicy('bundles/v1/', 'uploads/');
    expect(custom.canonical(HEX, 'signature.json')).toBe(`bundles/v1/${HEX}/signature.json`);
    expect(custom.staging(UPLOAD_ID, 'f')).toBe(`uploads/${UPLOAD_ID}/f`);
  });

  it.each([
    ['no trailing slash', 'sha256', 'staging/'],
    ['absolute', '/sha256/', 'staging/'],
    ['parent segment', '../sha256/', 'staging/'],
    ['dot segment', 'a/./', 'staging/'],
    ['empty', '', 'staging/'],
    ['empty segment', 'a//', 'staging/'],
    ['nested in the other', 'data/', 'data/staging/'],
    ['same prefix', 'data/', 'data/'],
  ])('rejects bases: %s', (_rule, canonicalBase, stagingBase) => {
    invalidKey(() => new KeyPolicy(canonicalBase, stagingBase));
  });

  describe('parse', () => {
    it('classifies canonical and staging keys', () => {
      expect(policy.parse(`sha256/${HEX}/bundle.tar.zst`)).toEqual({
        kind: 'canonical',
        hex: HEX,
        file: 'bundle.tar.zst',
      });
      expect(policy.parse(`staging/${UPLOAD_ID}/part`)).toEqual({ kind: 'staging', uploadId: UPLOAD_ID, file: 'part' });
    });

    it.each([
      ['outside both areas', `other/${HEX}/bundle.tar.zst`],
      ['uppercase hex', `sha256/${'A'.repeat(64)}/bundle.tar.zst`],
      ['short hex', `sha256/${'a'.repeat(10)}/bundle.tar.zst`],
      ['no file', `sha256/${HEX}/`],
      ['nested file', `sha256/${HEX}/a/b`],
      ['bare prefix', 'sha256/'],
      ['invalid upload id', 'staging/x/part'],
      ['staging without file', `staging/${UPLOAD_ID}`],
      ['nested staging file', `staging/${UPLOAD_ID}/a/b`],
      ['precompiled without file', `sha256/${HEX}/precompiled/jco-1.0.0.f1`],
      ['precompiled too deep', `sha256/${HEX}/precompiled/jco-1.0.0.f1/a/b`],
      ['precompiled bad toolchain', `sha256/${HEX}/precompiled/JCO/artifact.tar`],
    ])('returns null for %s', (_rule, key) => {
      expect(policy.parse(key)).toBeNull();
    });

    it('round-trips what it builds', () => {
      const canonical = policy.canonical(HEX, 'signature.json');
      expect(policy.parse(canonical)).toEqual({ kind: 'canonical', hex: HEX, file: 'signature.json' });
      const staged = policy.staging(UPLOAD_ID, 'bundle.tar.zst');
      expect(policy.parse(staged)).toEqual({ kind: 'staging', uploadId: UPLOAD_ID, file: 'bundle.tar.zst' });
      const precompiled = policy.precompiled(`sha256:${HEX}`, 'jco-transpile-0.15.0.f1', 'artifact.tar');
      expect(precompiled).toBe(`sha256/${HEX}/precompiled/jco-transpile-0.15.0.f1/artifact.tar`);
      expect(precompiled.startsWith(policy.bundlePrefix(HEX))).toBe(true);
      expect(policy.parse(precompiled)).toEqual({
        kind: 'precompiled',
        hex: HEX,
        toolchain: 'jco-transpile-0.15.0.f1',
        file: 'artifact.tar',
      });
    });

    it.each([
      ['an empty toolchain', '', 'artifact.tar'],
      ['a toolchain with a slash', 'jco/1', 'artifact.tar'],
      ['a toolchain starting with a dot', '.jco', 'artifact.tar'],
      ['a file with a slash', 'jco-1', 'a/b'],
      ['a file starting with a dot', 'jco-1', '..'],
    ])('refuses precompiled keys with %s', (_rule, toolchain, file) => {
      invalidKey(() => policy.precompiled(HEX, toolchain, file));
    });
  });
});
