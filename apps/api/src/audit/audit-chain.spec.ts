import { describe, expect, it } from '@jest/globals';
import { auditEventHash, canonicalJson, type ChainedEvent, GENESIS_HASH, normaliseAuditData } from './audit-chain.js';

const event: ChainedEvent = {
  prevHash: GENESIS_HASH,
  id: '3b0c4f0e-8a51-4f3e-9a57-6f3c8d2f1a10',
  occurredAt: new Date('2025-11-27T10:00:00.123Z'),
  type: 'version.yank',
  actor: { kind: 'user', id: 'u-1', name: 'admin@example.com' },
  tenantId: null,
  subject: 'extension:com.acme.tickets@1.2.0',
  outcome: 'success',
  data: { reason: 'CVE', sizes: [1, 2] },
};

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves out whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: 2.5 } })).toBe(
      '{"a":{"c":2.5,"d":[true,null,"x"]},"b":1}',
    );
  });

  it('drops undefined members, as JSON and jsonb do', () => {
    expect(canonicalJson({ a: undefined, b: 'kept' })).toBe('{"b":"kept"}');
  });

  it('refuses values that would not survive a round trip through jsonb', () => {
    expect(() => canonicalJson({ at: new Date() })).toThrow(/plain JSON/);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/plain JSON/);
  });
});

describe('audit data normalisation', () => {
  it('keeps what JSON keeps: dates become ISO text, undefined disappears', () => {
    expect(normaliseAuditData({ at: new Date('2025-01-02T03:04:05.000Z'), gone: undefined, n: 1 })).toEqual({
      at: '2025-01-02T03:04:05.000Z',
      n: 1,
    });
    expect(normaliseAuditData(undefined)).toEqual({});
  });
});

describe('audit event hash', () => {
  it('is 64 lowercase hex digits, stable, and independent of key order', () => {
    const hash = auditEventHash(event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditEventHash({ ...event, data: { sizes: [1, 2], reason: 'CVE' } })).toBe(hash);
  });

  it.each<[string, Partial<ChainedEvent>]>([
    ['the previous hash', { prevHash: 'f'.repeat(64) }],
    ['the id', { id: '3b0c4f0e-8a51-4f3e-9a57-6f3c8d2f1a11' }],
    ['the time', { occurredAt: new Date('2025-11-27T10:00:00.124Z') }],
    ['the type', { type: 'version.unyank' }],
    ['the actor', { actor: { kind: 'user', id: 'u-2', name: 'admin@example.com' } }],
    ['a missing actor', { actor: null }],
    ['the tenant', { tenantId: '0f5b8a7e-6c1d-4b8e-9f3a-2d7c6b5a4e3f' }],
    ['the subject', { subject: 'extension:com.acme.tickets@1.2.1' }],
    ['the outcome', { outcome: 'failure' }],
    ['the data', { data: { reason: 'CVE', sizes: [1, 3] } }],
  ])('changes with %s', (_name, change) => {
    expect(auditEventHash({ ...event, ...change })).not.toBe(auditEventHash(event));
  });
});
