import type { AuditEvent } from '@extplat/api-client';
import { actorOf, describeInstallEvent } from './install-events';

const event = (type: AuditEvent['type'], data: Record<string, unknown>, actor: AuditEvent['actor'] = null) =>
  ({
    seq: 1,
    id: 'e1',
    occurredAt: '2026-12-04T12:00:00.000Z',
    type,
    actor,
    tenantId: 't1',
    subject: 'install:0b6a2a3e-1111-4222-8333-944445555666',
    outcome: 'success',
    data,
    hash: 'h',
    prevHash: 'p',
  }) as AuditEvent;

describe('install events', () => {
  it('labels a version change with its versions and a secret with its name', () => {
    expect(describeInstallEvent(event('install.version-change', { from: '1.0.0', to: '2.0.0' }))).toBe(
      'Version changed: from 1.0.0 to 2.0.0',
    );
    expect(describeInstallEvent(event('install.secret-set', { name: 'API_TOKEN' }))).toBe('Secret set: API_TOKEN');
    expect(describeInstallEvent(event('install.create', { version: '1.0.0', extension: 'x' }))).toBe(
      'Installed: version 1.0.0',
    );
    expect(describeInstallEvent(event('install.disable', { version: '1.0.0' }))).toBe('Disabled');
    expect(describeInstallEvent({ ...event('install.enable', {}), outcome: 'failure' })).toBe('Enabled (failed)');
  });

  it('names the actor by email or key name', () => {
    expect(actorOf(event('install.enable', {}, { kind: 'user', id: 'u1', name: 'ann@example.com' }))).toBe(
      'ann@example.com',
    );
    expect(actorOf(event('install.enable', {}, { kind: 'api-key', id: 'k1', name: 'ci' }))).toBe('API key ci');
    expect(actorOf(event('install.enable', {}))).toBe('the platform');
  });
});
