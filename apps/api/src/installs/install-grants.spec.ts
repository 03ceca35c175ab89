import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@extplat/server-core';
import { diffVersions, normaliseGrant, resolveGrant, samePermissions } from './install-grants.js';

function grantError(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('grant intersection', () => {
  it('grants what the version requests within the grant, and reports both leftovers', () => {
    const resolution = resolveGrant(
      { capabilities: ['cap:log.emit', 'cap:http.fetch', 'cap:secrets.get'], egress: ['https://a.example.com'] },
      {
        capabilities: ['cap:http.fetch', 'cap:log.emit', 'cap:storage.kv'],
        egress: ['https://a.example.com', 'https://b.example.com'],
      },
    );
    expect(resolution).toEqual({
      granted: { capabilities: ['cap:log.emit', 'cap:http.fetch'], egress: ['https://a.example.com'] },
      notGranted: { capabilities: ['cap:secrets.get'], egress: [] },
      notRequested: { capabilities: ['cap:storage.kv'], egress: ['https://b.example.com'] },
    });
  });

  it('grants nothing from an empty grant', () => {
    const resolution = resolveGrant(
      { capabilities: ['cap:log.emit'], egress: ['https://a.example.com'] },
      {
        capabilities: [],
        egress: [],
      },
    );
    expect(resolution.granted).toEqual({ capabilities: [], egress: [] });
    expect(resolution.notGranted).toEqual({ capabilities: ['cap:log.emit'], egress: ['https://a.example.com'] });
  });
});

describe('grant normalisation', () => {
  it('normalises egress origins the way manifests store them and drops duplicates', () => {
    expect(
      normaliseGrant({
        capabilities: ['cap:log.emit', 'cap:log.emit'],
        egress: ['https://API.example.com/', 'https://api.example.com:443', 'http://10.0.0.1:8080'],
      }),
    ).toEqual({ capabilities: ['cap:log.emit'], egress: ['https://api.example.com', 'http://10.0.0.1:8080'] });
  });

  it('refuses unknown capabilities and anything that is not a bare origin, naming each', () => {
    const error = grantError(() =>
      normaliseGrant({
        capabilities: ['cap:log.emit', 'cap:root.shell'],
        egress: [
          'https://ok.example.com',
          'https://x.example.com/path',
          'ftp://x.example.com',
          'https://user@x.example.com',
          'x.example.com',
          'https://x.example.com?q=1',
        ],
      }),
    );
    expect(error.code).toBe('INVALID_GRANT');
    expect((error.details?.['issues'] as { path: string }[]).map((issue) => issue.path)).toEqual([
      'grant.capabilities[1]',
      'grant.egress[1]',
      'grant.egress[2]',
      'grant.egress[3]',
      'grant.egress[4]',
      'grant.egress[5]',
    ]);
  });
});

describe('version diff', () => {
  const current = {
    version: '1.2.0',
    granted: { capabilities: ['cap:log.emit', 'cap:context.read'], egress: ['https://a.example.com'] },
  };

  it('reports additions against the current grant and what the target drops', () => {
    const diff = diffVersions(current, {
      version: '2.0.0',
      requested: { capabilities: ['cap:log.emit', 'cap:http.fetch'], egress: ['https://b.example.com'] },
    });
    expect(diff).toEqual({
      from: '1.2.0',
      to: '2.0.0',
      direction: 'upgrade',
      capabilities: { added: ['cap:http.fetch'], removed: ['cap:context.read'] },
      egress: { added: ['https://b.example.com'], removed: ['https://a.example.com'] },
      requiresApproval: true,
    });
  });

  it('needs no approval for a narrowing rollback, nor for the same version within the grant', () => {
    const rollback = diffVersions(current, {
      version: '1.0.0',
      requested: { capabilities: ['cap:log.emit'], egress: [] },
    });
    expect(rollback).toMatchObject({
      direction: 'rollback',
      capabilities: { added: [], removed: ['cap:context.read'] },
      requiresApproval: false,
    });
    const same = diffVersions(current, {
      version: '1.2.0',
      requested: { capabilities: ['cap:log.emit', 'cap:context.read'], egress: ['https://a.example.com'] },
    });
    expect(same).toMatchObject({ direction: 'same', requiresApproval: false });
  });

  it('counts something requested but withheld before as an addition', () => {
    const diff = diffVersions(
      { version: '1.0.0', granted: { capabilities: [], egress: [] } },
      { version: '1.0.1', requested: { capabilities: ['cap:log.emit'], egress: [] } },
    );
    expect(diff.capabilities.added).toEqual(['cap:log.emit']);
    expect(diff.requiresApproval).toBe(true);
  });
});

describe('permission sets', () => {
  it('compares permission sets regardless of order', () => {
    expect(samePermissions({ capabilities: ['a', 'b'], egress: [] }, { capabilities: ['b', 'a'], egress: [] })).toBe(
      true,
    );
    expect(samePermissions({ capabilities: ['a'], egress: [] }, { capabilities: ['a', 'b'], egress: [] })).toBe(false);
  });
});
