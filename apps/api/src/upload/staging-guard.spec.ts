import { describe, expect, it } from '@jest/globals';
import { KeyPolicy } from '@extplat/storage';
import { assertStagingKey, StagingGuardError } from './staging-guard.js';

const keys = new KeyPolicy('sha256/', 'staging/');
const hex = 'ab'.repeat(32);

describe('the staging guard of the sweeper', () => {
  it('lets staging keys through and names their upload', () => {
    expect(assertStagingKey(keys, 'staging/upload-0001/bundle.tar.zst')).toEqual({
      uploadId: 'upload-0001',
      file: 'bundle.tar.zst',
    });
  });

  it.each(['bundle.tar.zst', 'manifest.json', 'signature.json'])('refuses the canonical %s', (file) => {
    expect(() => assertStagingKey(keys, `sha256/${hex}/${file}`)).toThrow(StagingGuardError);
    expect(() => assertStagingKey(keys, `sha256/${hex}/${file}`)).toThrow(/canonical/);
  });

  it('refuses anything under the canonical base, even when it does not parse as a canonical key', () => {
    expect(() => assertStagingKey(keys, 'sha256/not-a-digest/bundle.tar.zst')).toThrow(/canonical/);
  });

  it("refuses a bundle's precompiled artifacts: they live and go with the bundle's prefix", () => {
    const key = keys.precompiled(hex, 'jco-transpile-0.15.0.f1', 'artifact.tar');
    expect(keys.parse(key)?.kind).toBe('precompiled');
    expect(() => assertStagingKey(keys, key)).toThrow(/canonical/);
  });

  it('refuses keys outside the staging layout', () => {
    expect(() => assertStagingKey(keys, 'staging/upload-0001/nested/file')).toThrow(/not a staging key/);
    expect(() => assertStagingKey(keys, 'elsewhere/upload-0001/bundle.tar.zst')).toThrow(/not a staging key/);
  });
});
