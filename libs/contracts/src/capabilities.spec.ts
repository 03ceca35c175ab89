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
  ])('rates the internal host of %s high', (origin) => {
    const grant = describeEgressOrigin(origin);
    expect(grant.risk).toBe('high');
    expect(grant.description).toContain('private network');
  });

  it.each(['https://172.32.0.1', 'https://8.8.8.8', 'https://fd.example.com'])(
    'keeps the public %s medium',
    (origin) => {
      expect(describeEgressOrigin(origin).risk).toBe('medium');
    },
  );

  it('refuses to make an unreadable origin look safe', () => {
    expect(describeEgressOrigin('not an origin').risk).toBe('high');
  });
});
