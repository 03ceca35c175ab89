import type { VersionDiff } from '@extplat/api-client';
import { grantForSwitch } from './switch-grant';

const granted = { capabilities: ['cap:log.emit', 'cap:storage.kv'], egress: ['https://old.example.com'] };
const upgrade: VersionDiff = {
  from: '1.0.0',
  to: '2.0.0',
  direction: 'upgrade',
  capabilities: { added: ['cap:http.fetch', 'cap:secrets.get'], removed: ['cap:storage.kv'] },
  egress: { added: ['https://api.example.com'], removed: [] },
  requiresApproval: true,
  missingSecrets: [],
};

describe('grantForSwitch', () => {
  it('grants none of the additions until they are approved, and drops what the target no longer asks for', () => {
    expect(grantForSwitch(granted, upgrade, new Set())).toEqual({
      capabilities: ['cap:log.emit'],
      egress: ['https://old.example.com'],
    });
  });

  it('adds exactly the approved additions', () => {
    expect(grantForSwitch(granted, upgrade, new Set(['cap:secrets.get', 'https://api.example.com']))).toEqual({
      capabilities: ['cap:log.emit', 'cap:secrets.get'],
      egress: ['https://old.example.com', 'https://api.example.com'],
    });
  });

  it('sends no grant when the target adds nothing', () => {
    const rollback: VersionDiff = {
      ...upgrade,
      direction: 'rollback',
      capabilities: { added: [], removed: ['cap:storage.kv'] },
      egress: { added: [], removed: [] },
      requiresApproval: false,
      missingSecrets: [],
    };
    expect(grantForSwitch(granted, rollback, new Set(['cap:http.fetch']))).toBeUndefined();
  });
});
