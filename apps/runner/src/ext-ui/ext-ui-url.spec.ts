import { describe, expect, it } from '@jest/globals';
import { parseExtUiUrl } from './ext-ui-url.js';

const hex = 'ab'.repeat(32);

describe('parseExtUiUrl', () => {
  it('splits the raw URL into extension id, content hash and the still-encoded path', () => {
    expect(parseExtUiUrl(`/ext-ui/com.example.tickets/sha256:${hex}/assets/a%20b.js?v=1`)).toEqual({
      extensionId: 'com.example.tickets',
      contentHash: `sha256:${hex}`,
      path: 'assets/a%20b.js',
    });
    expect(parseExtUiUrl(`/ext-ui/com.example.tickets/sha256%3A${hex}/`)).toMatchObject({ path: '' });
    expect(parseExtUiUrl(`/ext-ui/com.example.tickets/sha256:${hex}`)).toMatchObject({ path: '' });
    expect(parseExtUiUrl(`/ext-ui/com.example.tickets/sha256:${hex}/../x`)).toMatchObject({ path: '../x' });
  });

  it.each([
    `/ext-ui/com.example.tickets`,
    `/ext-ui/com.example.tickets/`,
    `/ext-ui/tickets/sha256:${hex}/index.html`,
    `/ext-ui/Com.Example/sha256:${hex}/index.html`,
    `/ext-ui/com.example%2etickets/sha256:${hex}/index.html`,
    `/ext-ui/com.example.tickets/sha256:${hex.toUpperCase()}/index.html`,
    `/ext-ui/com.example.tickets/SHA256:${hex}/index.html`,
    `/ext-ui/com.example.tickets/${hex}/index.html`,
    `/ext-ui/com.example.tickets/sha256:${hex}0/index.html`,
    `/ext-ui/com.example.tickets/sha256:abc/index.html`,
    `/other/com.example.tickets/sha256:${hex}/index.html`,
  ])('refuses %s', (url) => {
    expect(parseExtUiUrl(url)).toBeNull();
  });
});
