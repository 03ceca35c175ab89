import { describe, expect, it } from '@jest/globals';
import { bundlePathProblem, endpointPathProblem, endpointShape } from './manifest-paths.js';

describe('bundlePathProblem', () => {
  it.each(['main.wasm', 'dist/main.wasm', 'ui/assets/app.v2.js', '.well-known/x', 'a..b/c', `${'é'.repeat(125)}.wasm`])(
    'accepts %j',
    (path) => {
      expect(bundlePathProblem(path)).toBeUndefined();
    },
  );

  it.each([
    ['', 'must not be empty'],
    [`${'é'.repeat(125)}x.wasm`, 'is 256 bytes long; at most 255 bytes are allowed'],
    ['dist/\u0000main.wasm', 'must not contain NUL or other control characters'],
    ['dist/main\u0085.wasm', 'must not contain NUL or other control characters'],
    ['dist\\main.wasm', 'must use "/" as separator; backslashes are not allowed'],
    ['/dist/main.wasm', 'must be relative to the bundle root (no leading "/")'],
    ['dist/', 'must name a file, not end in "/"'],
    ['dist//main.wasm', 'must not contain empty segments ("//")'],
    ['./main.wasm', 'must not contain "." or ".." segments'],
    ['dist/../../etc/passwd', 'must not contain "." or ".." segments'],
  ])('rejects %j', (path, problem) => {
    expect(bundlePathProblem(path)).toBe(problem);
  });
});

describe('endpointPathProblem', () => {
  it.each(['/', '/tickets', '/tickets/:id', '/a/:id/b/:other_id', '/v1.2/~user/x-y_z', '/:_', `/${'p'.repeat(255)}`])(
    'accepts %j',
    (path) => {
      expect(endpointPathProblem(path)).toBeUndefined();
    },
  );

  it.each([
    ['', /must start with "\/"/],
    ['tickets', /must start with "\/"/],
    [`/${'p'.repeat(256)}`, /is 257 characters long; at most 256/],
    ['//', /empty segments/],
    ['/tickets/', /empty segments or end in "\/"/],
    ['/a//b', /empty segments/],
    ['/a/:', /parameter segment ":"/],
    ['/a/:9lives', /parameter segment ":9lives"/],
    ['/a/:id-x', /parameter segment ":id-x"/],
    ['/a/:id/b/:id', /uses parameter ":id" twice/],
    ['/a/{id}', /segment "\{id\}"; literal segments use only/],
    ['/a/b c', /segment "b c"/],
    ['/a/%20', /segment "%20"/],
    ['/a/./b', /"\." or "\.\." segments/],
    ['/..', /"\." or "\.\." segments/],
  ])('rejects %j', (path, problem) => {
    expect(endpointPathProblem(path)).toMatch(problem);
  });
});

describe('endpointShape', () => {
  it.each([
    ['/', '/'],
    ['/tickets', '/tickets'],
    ['/a/:id/b', '/a/:/b'],
    ['/:x/:y', '/:/:'],
  ])('maps %j to %j', (path, shape) => {
    expect(endpointShape(path)).toBe(shape);
  });

  it('gives routes that differ only in parameter names the same shape, and others different ones', () => {
    expect(endpointShape('/tickets/:id/notes/:noteId')).toBe(endpointShape('/tickets/:ticket/notes/:n'));
    expect(endpointShape('/tickets/:id')).not.toBe(endpointShape('/tickets/id'));
    expect(endpointShape('/Tickets/:id')).not.toBe(endpointShape('/tickets/:id'));
  });
});
