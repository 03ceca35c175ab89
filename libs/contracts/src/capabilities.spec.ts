import { describe, expect, it } from '@jest/globals';
import { CAPABILITY_CATALOG, describeCapability, describeEgressOrigin, RISK_LEVELS } from './capabilities.js';
import { Capability } from './runner.js';

describe('capability catalog', () => {
  it('explains every capability of the runner vocabulary in words', () => {
    for (const name of Object.values(Capability)) {
      const entry = CAPABILITY_CATALOG[name];
      expect(entry.title.length).toBeGreaterThan(3);
      expect(entry.description).toMatch(/\.$/);
      expect(RISK_LEVELS).toContain(entry.risk);
      expect(describeCapability(name)).toBe(entry);
    }
  });

  it('marks an undescribed capability as high risk under its own name', () => {
    expect(describeCapability('cap:teleport')).toMatchObject({ title: 'cap:teleport', risk: 'high' });
  });
});

describe('describeEgressOrigin', () => {
  it('rates a public HTTPS origin medium and names its host', () => {
    expect(describeEgressOrigin('https://api.example.com')).toEqual({
      title: 'Send requests to api.example.com',
      description:
        'Send HTTP requests to https://api.example.com and read the answers; data the extension sees can be sent there.',
      risk: 'medium',
    });
    expect(describeEgressOrigin('https://api.example.com:8443').title).toBe('Send requests to api.example.com:8443');
  });

  it('rates plain HTTP high and says why', () => {
    const grant = describeEgressOrigin('http://api.example.com');
    expect(grant.risk).toBe('high');
    expect(grant.description).toContain('not encrypted');
  });

  it.each([
    'https://localhost:8080',
    'https://10.1.2.3',
    'https://172.20.0.1',
    'https://192.168.1.1',
    'https://127.0.0.1',
    'https://169.254.169.254',
    'https://[::1]',
    'https://[fd00::1]',
    'https://db.internal',
    'https://[::ffff:7f00:1]',
    'https://[::ffff:127.0.0.1]',
    'https://[64:ff9b::a9fe:a9fe]',
    'https://100.64.0.1',
    'https://198.18.0.1',
    'https://0.0.0.0',
    'https://240.0.0.1',
    'https://[fc00::1]',
    'https://[fe80::1]',
  ])('rates the internal host of %s high', (origin) => {
    const grant = describeEgressOrigin(origin);
    expect(grant.risk).toBe('high');
    expect(grant.description).toContain('private network');
  });

  // The URL parser turns these into 127.0.0.1 and [::ffff:7f00:1]; plain HTTP alone would make them high,
  // so the warning must name the loopback range as well.
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://[::ffff:7f00:1]/', '[::ffff:7f00:1]'],
    ['https://0x7f000001', '127.0.0.1'],
    ['https://[::ffff:127.0.0.1]:8443', '[::ffff:7f00:1]:8443'],
  ])('sees through the odd IP literal %s', (origin, host) => {
    const grant = describeEgressOrigin(origin);
    expect(grant.title).toBe(`Send requests to ${host}`);
    expect(grant.risk).toBe('high');
    expect(grant.description).toContain('loopback, 127.0.0.0/8');
  });

  it('names the metadata range of a link-local origin', () => {
    expect(describeEgressOrigin('https://169.254.169.254').description).toContain(
      'link-local, where cloud metadata services live, 169.254.0.0/16',
    );
  });

  it.each([
    'https://172.32.0.1',
    'https://8.8.8.8',
    'https://fd.example.com',
    'https://[2606:4700:4700::1111]',
    'https://[64:ff9b::808:808]',
  ])('keeps the public %s medium', (origin) => {
    expect(describeEgressOrigin(origin).risk).toBe('medium');
  });

  it('refuses to make an unreadable origin look safe', () => {
    expect(describeEgressOrigin('not an origin').risk).toBe('high');
  });
});
