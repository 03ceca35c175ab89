import { describe, expect, it } from '@jest/globals';
import { mayStoreSecret, missingRequiredSecrets } from './declared-secrets.js';

const declared = [
  { name: 'api-token', required: true },
  { name: 'WEBHOOK_KEY', required: false },
  { name: 'region-key', required: true },
];

describe('declared secrets', () => {
  it('lists the required secrets that are not set, in the manifest order', () => {
    expect(missingRequiredSecrets(declared, [])).toEqual(['api-token', 'region-key']);
    expect(missingRequiredSecrets(declared, ['region-key', 'WEBHOOK_KEY'])).toEqual(['api-token']);
    expect(missingRequiredSecrets(declared, ['API-TOKEN', 'region-key'])).toEqual(['api-token']);
    expect(missingRequiredSecrets(undefined, [])).toEqual([]);
  });

  it('allows any name when the version declares none, only declared names otherwise', () => {
    expect(mayStoreSecret(undefined, 'anything')).toBe(true);
    expect(mayStoreSecret(declared, 'WEBHOOK_KEY')).toBe(true);
    expect(mayStoreSecret(declared, 'API_TOKEN')).toBe(false);
    expect(mayStoreSecret([], 'api-token')).toBe(false);
  });
});
