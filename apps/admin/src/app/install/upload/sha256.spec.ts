import { Sha256, sha256OfBlob } from './sha256';

const hex = (text: string | Uint8Array) =>
  new Sha256().update(typeof text === 'string' ? new TextEncoder().encode(text) : text).digestHex();

describe('Sha256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('gives the same digest however the input is split', () => {
    const data = new Uint8Array(1000).map((_, index) => (index * 31 + 7) % 256);
    const whole = hex(data);
    for (const cut of [1, 55, 56, 63, 64, 65, 127, 500]) {
      expect(new Sha256().update(data.subarray(0, cut)).update(data.subarray(cut)).digestHex()).toBe(whole);
    }
  });

  it('hashes a Blob slice by slice, reporting progress', async () => {
    const progress: number[] = [];
    const hash = await sha256OfBlob(new Blob(['abc']), (bytes) => progress.push(bytes));
    expect(hash).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(progress).toEqual([3]);
  });
});
