import { auditDetail, auditLabel, auditSubject } from './audit-labels';

describe('audit labels', () => {
  it('names events in words and marks failures', () => {
    expect(auditLabel({ type: 'install.version-change', outcome: 'success' })).toBe('Version changed');
    expect(auditLabel({ type: 'auth.login', outcome: 'failure' })).toBe('Signed in (failed)');
  });

  it('picks the facts worth reading from the data', () => {
    expect(auditDetail({ type: 'install.version-change', data: { from: '1.0.0', to: '2.0.0' } })).toBe(
      'from 1.0.0 to 2.0.0',
    );
    expect(auditDetail({ type: 'version.yank', data: { reason: 'leaks tokens' } })).toBe('reason: leaks tokens');
    expect(auditDetail({ type: 'version.yank', data: {} })).toBe('');
    expect(auditDetail({ type: 'install.enable', data: { extension: 'x' } })).toBe('');
  });

  it('shows subjects without bare ids', () => {
    expect(auditSubject('extension:com.acme.radar@1.2.0')).toBe('com.acme.radar 1.2.0');
    expect(auditSubject('install:6f1c2a3b-1d2e-4f5a-8b9c-0123456789ab')).toBe('install');
    expect(auditSubject('tenant:acme')).toBe('tenant acme');
    expect(auditSubject(null)).toBe('');
  });
});
