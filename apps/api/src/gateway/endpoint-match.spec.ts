import { describe, expect, it } from '@jest/globals';
import type { ManifestEndpoint } from '@extplat/bundle';
import { matchEndpoint, pathSegments } from './endpoint-match.js';

const endpoints: ManifestEndpoint[] = [
  { method: 'GET', path: '/tickets/:id', handler: 'getTicket' },
  { method: 'GET', path: '/tickets/new', handler: 'newTicketForm' },
  { method: 'POST', path: '/tickets', handler: 'createTicket' },
  { method: 'GET', path: '/', handler: 'root' },
  { method: 'GET', path: '/a/:x/b/:y', handler: 'nested' },
];

describe('pathSegments', () => {
  it('decodes segments and ignores one trailing slash', () => {
    expect(pathSegments('/tickets/a%20b/')).toEqual(['tickets', 'a b']);
    expect(pathSegments('/')).toEqual([]);
  });

  it.each(['/a/../b', '/a/./b', '/a//b', '/a/%2e%2e/b', '/a%2Fb', '/a%5cb', '/a%00', '/%E0%A4%A', 'no-slash'])(
    'refuses %s',
    (path) => {
      expect(pathSegments(path)).toBeUndefined();
    },
  );
});

describe('matchEndpoint', () => {
  it('captures path parameters in order', () => {
    expect(matchEndpoint(endpoints, 'GET', ['a', '1', 'b', '2'])).toEqual({
      endpoint: endpoints[4],
      params: [
        ['x', '1'],
        ['y', '2'],
      ],
    });
  });

  it('prefers a literal segment over a parameter, whatever the manifest order', () => {
    expect(matchEndpoint(endpoints, 'GET', ['tickets', 'new'])?.endpoint.handler).toBe('newTicketForm');
    expect(matchEndpoint(endpoints, 'GET', ['tickets', '42'])?.endpoint.handler).toBe('getTicket');
  });

  it('matches the method exactly and the segment count exactly', () => {
    expect(matchEndpoint(endpoints, 'POST', ['tickets'])?.endpoint.handler).toBe('createTicket');
    expect(matchEndpoint(endpoints, 'GET', ['tickets'])).toBeUndefined();
    expect(matchEndpoint(endpoints, 'DELETE', ['tickets', '42'])).toBeUndefined();
    expect(matchEndpoint(endpoints, 'GET', ['tickets', '42', 'extra'])).toBeUndefined();
    expect(matchEndpoint(endpoints, 'GET', [])?.endpoint.handler).toBe('root');
  });
});
