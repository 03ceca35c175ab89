import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { KNOWN_CAPABILITIES, parseManifest, validateManifest, type ManifestResult } from './manifest.js';

const files = new Set(['manifest.json', 'dist/main.wasm', 'ui/index.html', 'ui/app.js']);

/** A valid manifest that uses every field; each invalid case breaks one thing in a fresh copy of it. */
function fullManifest() {
  return {
    manifestVersion: 2,
    name: 'com.acme.tickets',
    publisher: 'acme',
    version: '1.2.3-rc.1+build.5',
    displayName: 'Acme Tickets',
    description: 'Syncs tickets.\n\tBoth ways.',
    runtime: 'wasm-component@1',
    entry: 'dist/main.wasm',
    capabilities: ['cap:log.emit', 'cap:http.fetch', 'cap:context.read'],
    egress: ['https://api.acme.com:443/', 'http://localhost:8080', 'https://bücher.example'],
    ui: { type: 'iframe', entry: 'ui/index.html', hooks: { appMenu: { label: 'Tickets' } } },
    api: {
      endpoints: [
        { method: 'GET', path: '/tickets/:id', handler: 'getTicket' },
        { method: 'POST', path: '/tickets', handler: 'tickets.create' },
        { method: 'GET', path: '/', handler: 'root' },
      ],
    },
    config: { type: 'object', properties: { apiKey: { type: 'string' } }, required: ['apiKey'] },
  };
}
type Draft = ReturnType<typeof fullManifest> & Record<string, unknown>;

function changed(change: (manifest: Draft) => void): Draft {
  const manifest = fullManifest() as Draft;
  change(manifest);
  return manifest;
}

function issuesOf(result: ManifestResult) {
  if (result.ok) throw new Error(`expected issues, got a valid manifest: ${JSON.stringify(result.manifest)}`);
  return result.issues;
}

function pathsOf(result: ManifestResult): string[] {
  return issuesOf(result).map((issue) => issue.path);
}

/** A config schema whose objects nest `depth` levels deep, the schema itself being level 1. */
function configOfDepth(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 2; level < depth; level++) value = { nested: value };
  return { type: 'object', default: value };
}

function without(key: string): Draft {
  return changed((m) => delete m[key]);
}

describe('validateManifest', () => {
  it('accepts a full manifest and normalises its egress origins', () => {
    const result = validateManifest(fullManifest(), { files });
    expect(result).toStrictEqual({
      ok: true,
      manifest: {
        ...fullManifest(),
        egress: ['https://api.acme.com', 'http://localhost:8080', 'https://xn--bcher-kva.example'],
      },
    });
  });

  it('accepts a minimal manifest and applies the defaults', () => {
    const minimal = {
      name: 'io.example.hello',
      publisher: 'example',
      version: '0.1.0',
      runtime: 'wasm-component@1',
      entry: 'main.wasm',
    };
    expect(validateManifest(minimal)).toStrictEqual({
      ok: true,
      manifest: { ...minimal, capabilities: [], egress: [], api: { endpoints: [] } },
    });
  });

  it('checks entry and ui.entry against the files only when the files are given', () => {
    const manifest = changed((m) => {
      m.entry = 'dist/other.wasm';
      m.ui.entry = 'ui/other.html';
    });
    expect(validateManifest(manifest).ok).toBe(true);
    expect(pathsOf(validateManifest(manifest, { files }))).toEqual(['entry', 'ui.entry']);
  });

  it('accepts the edges of the limits', () => {
    const manifest = changed((m) => {
      m.name = `${'a'.repeat(63)}.${'b'.repeat(64)}`;
      m.publisher = 'p'.repeat(64);
      m.version = `1.0.0-${'x'.repeat(58)}`;
      m.displayName = 'é'.repeat(100);
      m.description = 'd'.repeat(2000);
      m.entry = `${'e'.repeat(250)}.wasm`;
      m.egress = Array.from({ length: 64 }, (_, index) => `https://h${index}.example`);
      m.ui.hooks.appMenu.label = 'l'.repeat(64);
      m.api.endpoints = Array.from({ length: 128 }, (_, index) => ({
        method: 'GET',
        path: `/${'p'.repeat(250)}/${index}`,
        handler: `h${'x'.repeat(63)}`,
      }));
      m.config = configOfDepth(32) as never;
    });
    expect(validateManifest(manifest).ok).toBe(true);
  });

  const invalidCases: [string, unknown, string[]][] = [
    ['an array as the document', [fullManifest()], ['']],
    ['null as the document', null, ['']],
    ['a string as the document', 'com.acme.tickets', ['']],
    ['an unknown top-level field', changed((m) => (m.permissions = ['all'])), ['permissions']],
    ['a "__proto__" key', JSON.parse(`{"__proto__": {}, ${JSON.stringify(fullManifest()).slice(1)}`), ['__proto__']],
    ['manifestVersion 1', changed((m) => (m.manifestVersion = 1)), ['manifestVersion']],
    ['manifestVersion as a string', changed((m) => (m.manifestVersion = '2' as never)), ['manifestVersion']],
    ['a missing name', without('name'), ['name']],
    ['a name with one segment', changed((m) => (m.name = 'tickets')), ['name']],
    ['an uppercase name', changed((m) => (m.name = 'com.Acme.tickets')), ['name']],
    ['a name segment with a leading hyphen', changed((m) => (m.name = 'com.-acme')), ['name']],
    ['a name with an empty segment', changed((m) => (m.name = 'com..acme')), ['name']],
    ['a name of 129 characters', changed((m) => (m.name = `${'a'.repeat(64)}.${'b'.repeat(64)}`)), ['name']],
    ['a name that is a number', changed((m) => (m.name = 42 as never)), ['name']],
    ['a publisher with an underscore', changed((m) => (m.publisher = 'acme_inc')), ['publisher']],
    ['a publisher of one character', changed((m) => (m.publisher = 'a')), ['publisher']],
    ['a publisher of 65 characters', changed((m) => (m.publisher = 'p'.repeat(65))), ['publisher']],
    ['a version with a leading zero', changed((m) => (m.version = '01.2.3')), ['version']],
    ['a pre-release with a leading zero', changed((m) => (m.version = '1.2.3-rc.01')), ['version']],
    ['a version with two parts', changed((m) => (m.version = '1.2')), ['version']],
    ['a version with a "v" prefix', changed((m) => (m.version = 'v1.2.3')), ['version']],
    ['a version of 65 characters', changed((m) => (m.version = `1.0.0-${'x'.repeat(59)}`)), ['version']],
    ['a displayName of 101 characters', changed((m) => (m.displayName = 'n'.repeat(101))), ['displayName']],
    ['a displayName with a newline', changed((m) => (m.displayName = 'Acme\nTickets')), ['displayName']],
    ['a displayName with a bidi override', changed((m) => (m.displayName = 'Acme \u202eTickets')), ['displayName']],
    ['a displayName that is null', changed((m) => (m.displayName = null as never)), ['displayName']],
    ['a description of 2001 characters', changed((m) => (m.description = 'd'.repeat(2001))), ['description']],
    ['a description with a NUL', changed((m) => (m.description = 'a\u0000b')), ['description']],
    ['another runtime', changed((m) => (m.runtime = 'wasm-module@1')), ['runtime']],
    ['a missing runtime', without('runtime'), ['runtime']],
    ['an entry with ".."', changed((m) => (m.entry = 'dist/../main.wasm')), ['entry']],
    ['an absolute entry', changed((m) => (m.entry = '/dist/main.wasm')), ['entry']],
    ['an entry with a backslash', changed((m) => (m.entry = 'dist\\main.wasm')), ['entry']],
    ['an entry ending in "/"', changed((m) => (m.entry = 'dist/')), ['entry']],
    ['an entry of 256 bytes', changed((m) => (m.entry = `${'é'.repeat(125)}x.wasm`)), ['entry']],
    ['an entry that is not in the bundle', changed((m) => (m.entry = 'dist/other.wasm')), ['entry']],
    ['an entry that is an array', changed((m) => (m.entry = ['dist/main.wasm'] as never)), ['entry']],
    ['an unknown capability', changed((m) => (m.capabilities[2] = 'cap:fs.write')), ['capabilities[2]']],
    ['a repeated capability', changed((m) => m.capabilities.push('cap:log.emit')), ['capabilities[3]']],
    ['a capability that is not a string', changed((m) => (m.capabilities[0] = 7 as never)), ['capabilities[0]']],
    ['capabilities as a string', changed((m) => (m.capabilities = 'cap:log.emit' as never)), ['capabilities']],
    ['egress without cap:http.fetch', changed((m) => (m.capabilities = ['cap:log.emit'])), ['egress']],
    ['an egress origin with a path', changed((m) => (m.egress[0] = 'https://api.acme.com/v1')), ['egress[0]']],
    ['an egress origin with a query', changed((m) => (m.egress[0] = 'https://api.acme.com?x=1')), ['egress[0]']],
    ['an egress origin with userinfo', changed((m) => (m.egress[1] = 'https://bob@api.acme.com')), ['egress[1]']],
    ['an egress origin with an uppercase host', changed((m) => (m.egress[0] = 'https://API.acme.com')), ['egress[0]']],
    ['an egress origin with another scheme', changed((m) => (m.egress[0] = 'ftp://files.acme.com')), ['egress[0]']],
    ['an egress origin without a scheme', changed((m) => (m.egress[0] = 'api.acme.com')), ['egress[0]']],
    ['an egress origin with a bad port', changed((m) => (m.egress[0] = 'https://api.acme.com:70000')), ['egress[0]']],
    ['an egress origin with a wildcard', changed((m) => (m.egress[0] = 'https://*.acme.com')), ['egress[0]']],
    ['an egress origin with a tab', changed((m) => (m.egress[0] = 'https://api.acme\t.com')), ['egress[0]']],
    ['a repeated egress origin', changed((m) => m.egress.push('https://api.acme.com')), ['egress[3]']],
    [
      '65 egress origins',
      changed((m) => (m.egress = Array.from({ length: 65 }, (_, index) => `https://h${index}.example`))),
      ['egress'],
    ],
    ['ui as a string', changed((m) => (m.ui = 'ui/index.html' as never)), ['ui']],
    ['another ui type', changed((m) => (m.ui.type = 'window')), ['ui.type']],
    [
      'an unknown field in ui',
      changed((m) => ((m.ui as Record<string, unknown>).sandbox = 'allow-all')),
      ['ui.sandbox'],
    ],
    ['a ui.entry that is not html', changed((m) => (m.ui.entry = 'ui/app.js')), ['ui.entry']],
    ['a ui.entry that is not in the bundle', changed((m) => (m.ui.entry = 'ui/main.html')), ['ui.entry']],
    ['a ui.entry with ".."', changed((m) => (m.ui.entry = '../index.html')), ['ui.entry']],
    ['an unknown hook', changed((m) => ((m.ui.hooks as Record<string, unknown>).toolbar = {})), ['ui.hooks.toolbar']],
    [
      'an unknown field in appMenu',
      changed((m) => ((m.ui.hooks.appMenu as Record<string, unknown>).icon = 'x.png')),
      ['ui.hooks.appMenu.icon'],
    ],
    ['an empty appMenu label', changed((m) => (m.ui.hooks.appMenu.label = '')), ['ui.hooks.appMenu.label']],
    [
      'an appMenu label of 65 characters',
      changed((m) => (m.ui.hooks.appMenu.label = 'l'.repeat(65))),
      ['ui.hooks.appMenu.label'],
    ],
    [
      'a missing appMenu label',
      changed((m) => delete (m.ui.hooks.appMenu as Partial<{ label: string }>).label),
      ['ui.hooks.appMenu.label'],
    ],
    ['api as an array', changed((m) => (m.api = [] as never)), ['api']],
    ['an unknown field in api', changed((m) => ((m.api as Record<string, unknown>).prefix = '/v1')), ['api.prefix']],
    ['api without endpoints', changed((m) => (m.api = {} as never)), ['api.endpoints']],
    [
      '129 endpoints',
      changed(
        (m) =>
          (m.api.endpoints = Array.from({ length: 129 }, (_, index) => ({
            method: 'GET',
            path: `/items/${index}`,
            handler: 'list',
          }))),
      ),
      ['api.endpoints'],
    ],
    [
      'an endpoint that is a string',
      changed((m) => (m.api.endpoints[0] = 'GET /tickets' as never)),
      ['api.endpoints[0]'],
    ],
    ['a lowercase method', changed((m) => (m.api.endpoints[0]!.method = 'get')), ['api.endpoints[0].method']],
    ['an unknown method', changed((m) => (m.api.endpoints[1]!.method = 'OPTIONS')), ['api.endpoints[1].method']],
    ['a path without a leading "/"', changed((m) => (m.api.endpoints[1]!.path = 'tickets')), ['api.endpoints[1].path']],
    ['a path ending in "/"', changed((m) => (m.api.endpoints[1]!.path = '/tickets/')), ['api.endpoints[1].path']],
    ['a path with an empty segment', changed((m) => (m.api.endpoints[1]!.path = '/a//b')), ['api.endpoints[1].path']],
    ['a path with braces', changed((m) => (m.api.endpoints[0]!.path = '/tickets/{id}')), ['api.endpoints[0].path']],
    ['a path with a ".." segment', changed((m) => (m.api.endpoints[1]!.path = '/a/../b')), ['api.endpoints[1].path']],
    [
      'a parameter starting with a digit',
      changed((m) => (m.api.endpoints[0]!.path = '/t/:1d')),
      ['api.endpoints[0].path'],
    ],
    ['a parameter used twice', changed((m) => (m.api.endpoints[0]!.path = '/t/:id/c/:id')), ['api.endpoints[0].path']],
    [
      'a path of 257 characters',
      changed((m) => (m.api.endpoints[1]!.path = `/${'p'.repeat(256)}`)),
      ['api.endpoints[1].path'],
    ],
    [
      'a handler starting with a digit',
      changed((m) => (m.api.endpoints[2]!.handler = '1root')),
      ['api.endpoints[2].handler'],
    ],
    [
      'a handler of 65 characters',
      changed((m) => (m.api.endpoints[2]!.handler = 'h'.repeat(65))),
      ['api.endpoints[2].handler'],
    ],
    [
      'an endpoint without a handler',
      changed((m) => delete (m.api.endpoints[2] as Partial<{ handler: string }>).handler),
      ['api.endpoints[2].handler'],
    ],
    [
      'an unknown field in an endpoint',
      changed((m) => ((m.api.endpoints[0] as Record<string, unknown>).auth = 'none')),
      ['api.endpoints[0].auth'],
    ],
    [
      'the same route with another parameter name',
      changed((m) => m.api.endpoints.push({ method: 'GET', path: '/tickets/:ticketId', handler: 'other' })),
      ['api.endpoints[3]'],
    ],
    ['config as an array', changed((m) => (m.config = [] as never)), ['config']],
    ['config of another type', changed((m) => (m.config.type = 'array')), ['config.type']],
    ['config without a type', changed((m) => delete (m.config as Partial<{ type: string }>).type), ['config.type']],
    ['config nested 33 levels deep', changed((m) => (m.config = configOfDepth(33) as never)), ['config']],
    [
      'config larger than 64 KiB',
      changed((m) => (m.config = { type: 'object', description: 'x'.repeat(64 * 1024) } as never)),
      ['config'],
    ],
    [
      'config with a pattern RE2 cannot run (a lookahead)',
      changed(
        (m) => (m.config = { type: 'object', properties: { key: { type: 'string', pattern: '^(?!x)' } } } as never),
      ),
      ['config'],
    ],
    [
      'config with a reference that does not resolve',
      changed((m) => (m.config = { type: 'object', properties: { key: { $ref: '#/$defs/missing' } } } as never)),
      ['config'],
    ],
  ];

  it.each(invalidCases)('rejects %s', (_title, input, expectedPaths) => {
    const issues = issuesOf(validateManifest(input, { files }));
    expect(issues.map((issue) => issue.path)).toEqual(expectedPaths);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(10);
  });

  it('names the pattern a config schema cannot use', () => {
    const input = changed((m) => (m.config = { type: 'object', properties: { key: { pattern: '(a)\\1' } } } as never));
    expect(issuesOf(validateManifest(input, { files }))).toEqual([
      {
        path: 'config',
        message: expect.stringContaining('the pattern "(a)\\\\1" at /properties/key/pattern cannot be used'),
      },
    ]);
  });

  it('explains what is wrong and what is allowed', () => {
    const messageAt = (input: unknown, path: string) =>
      issuesOf(validateManifest(input, { files })).find((issue) => issue.path === path)?.message;

    expect(
      messageAt(
        changed((m) => (m.capabilities[2] = 'cap:fs.write')),
        'capabilities[2]',
      ),
    ).toBe(`unknown capability "cap:fs.write"; known capabilities are ${KNOWN_CAPABILITIES.join(', ')}`);
    expect(
      messageAt(
        changed((m) => m.api.endpoints.push({ method: 'GET', path: '/tickets/:ticketId', handler: 'other' })),
        'api.endpoints[3]',
      ),
    ).toMatch(/^duplicates api\.endpoints\[0\]: both are GET \/tickets\/:/);
    expect(
      messageAt(
        changed((m) => (m.entry = 'dist/other.wasm')),
        'entry',
      ),
    ).toMatch(/not a file in the bundle/);
    expect(
      messageAt(
        changed((m) => (m.name = 42 as never)),
        'name',
      ),
    ).toBe('must be a string, got number 42');
    expect(
      messageAt(
        changed((m) => (m.egress[0] = 'https://api.acme.com/v1')),
        'egress[0]',
      ),
    ).toMatch(/must not have a path.*an origin is "https:\/\/host" or "http:\/\/host"/);
    expect(
      messageAt(
        changed((m) => m.egress.push('https://api.acme.com')),
        'egress[3]',
      ),
    ).toMatch(/repeats egress\[0\] \(both are https:\/\/api\.acme\.com\)/);
  });

  it('reports every problem of a document in one pass', () => {
    const input = {
      name: 'Tickets',
      publisher: 'acme',
      version: '1.0',
      runtime: 'wasm-component@1',
      entry: '../main.wasm',
      capabilities: ['cap:log.emit', 'cap:teleport', 'cap:log.emit'],
      egress: ['https://api.acme.com/path'],
      ui: { type: 'iframe', entry: 'ui/index.js', hooks: { appMenu: { label: '' } } },
      api: {
        endpoints: [
          { method: 'GET', path: '/a/:id', handler: 'a' },
          { method: 'GET', path: '/a/:other', handler: 'b' },
          { method: 'get', path: 'b', handler: '9' },
        ],
      },
      config: { type: 'string' },
      extra: true,
    };
    expect(pathsOf(validateManifest(input, { files }))).toEqual([
      'extra',
      'name',
      'version',
      'entry',
      'capabilities[1]',
      'capabilities[2]',
      'egress[0]',
      'egress',
      'ui.entry',
      'ui.hooks.appMenu.label',
      'api.endpoints[1]',
      'api.endpoints[2].method',
      'api.endpoints[2].path',
      'api.endpoints[2].handler',
      'config.type',
    ]);
  });

  it('keeps no reference to the caller’s config object', () => {
    const input = fullManifest();
    const result = validateManifest(input);
    if (!result.ok) throw new Error('expected a valid manifest');
    expect(result.manifest.config).toEqual(input.config);
    expect(result.manifest.config).not.toBe(input.config);
  });

  it('rejects configs that JSON cannot carry, as JavaScript callers may pass them', () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.self = cyclic;
    // 2^30 paths through 31 shared arrays: walking every path would never finish.
    let shared: unknown = 'leaf';
    for (let level = 0; level < 30; level++) shared = [shared, shared];
    const configs = [
      cyclic,
      { type: 'object', default: shared },
      { type: 'object', default: Number.NaN },
      { type: 'object', default: undefined },
      { type: 'object', default: () => 1 },
      { type: 'object', default: new Date(0) },
      { type: 'object', items: new Array(70_000).fill(0) },
    ];
    for (const config of configs) expect(pathsOf(validateManifest({ ...fullManifest(), config }))).toEqual(['config']);
  });

  it('never throws on arbitrary JSON, and every issue has a path and a message', () => {
    const checkIssues = (result: ManifestResult) => {
      if (result.ok) return;
      expect(result.issues.length).toBeGreaterThan(0);
      for (const issue of result.issues) {
        expect(typeof issue.path).toBe('string');
        expect(issue.message.trim()).not.toBe('');
      }
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        checkIssues(validateManifest(value, { files }));
      }),
      { numRuns: 500 },
    );
    // Arbitrary values in place of one field reach the deeper checks, which random documents rarely do.
    const fields = Object.keys(fullManifest());
    fc.assert(
      fc.property(fc.constantFrom(...fields, 'unknown'), fc.jsonValue(), (field, value) => {
        checkIssues(validateManifest({ ...fullManifest(), [field]: value }, { files }));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseManifest', () => {
  it('parses and validates manifest.json text', () => {
    expect(parseManifest(JSON.stringify(fullManifest()), { files })).toEqual(
      validateManifest(fullManifest(), { files }),
    );
    expect(pathsOf(parseManifest('{"name": "x"}'))).toEqual(['name', 'publisher', 'version', 'runtime', 'entry']);
  });

  it.each([
    ['{"name": }', 1, 10, 9, 'expected a value, found "}"'],
    ['{\n  "name": "a",\n  "entry": x\n}', 3, 12, 28, 'expected a value, found "x"'],
    ['{"a": 1,}', 1, 9, 8, 'expected a double-quoted property name, found "}"'],
    ['[1, 2', 1, 6, 5, 'expected "," or "]", found the end of the text'],
    ['{"a": tru}', 1, 10, 9, 'expected true'],
    ['{"a": 01}', 1, 8, 7, 'expected "," or "}", found "1"'],
    ['{"a": "b\\x"}', 1, 10, 9, 'invalid escape sequence'],
    ['', 1, 1, 0, 'expected a value, found the end of the text'],
    ['\uFEFF{}', 1, 1, 0, 'expected a value, found "\uFEFF"'],
  ])('reports where %j stops being JSON', (text, line, column, position, problem) => {
    const issues = issuesOf(parseManifest(text));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('');
    expect(issues[0]?.message).toContain(`at line ${line}, column ${column} (position ${position}): ${problem}`);
  });

  it('locates every syntax error, at the position V8 names when it names one', () => {
    const mutation = fc
      .tuple(fc.json(), fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...'{}[]",:\\0-.eE tfnu1'))
      .map(([text, at, removed, inserted]) => {
        const index = at % (text.length + 1);
        return text.slice(0, index) + inserted + text.slice(index + removed);
      });
    fc.assert(
      fc.property(mutation, (text) => {
        let v8Message: string;
        try {
          JSON.parse(text);
          return;
        } catch (error) {
          v8Message = (error as Error).message;
        }
        const message = issuesOf(parseManifest(text))[0]?.message ?? '';
        const ours = /\(position (\d+)\)/.exec(message);
        expect(ours).not.toBeNull();
        const theirs = /at position (\d+)/.exec(v8Message);
        if (theirs) expect(ours?.[1]).toBe(theirs[1]);
      }),
      { numRuns: 3000 },
    );
  });

  it('handles deeply nested text without overflowing the stack', () => {
    expect(issuesOf(parseManifest('['.repeat(200_000)))[0]?.message).toContain('position 200000');
  });
});

describe('validateManifest: declared secrets', () => {
  const withSecrets = (secrets: unknown, capabilities = ['cap:secrets.get']): Draft =>
    changed((m) => {
      m.capabilities = capabilities;
      m.egress = [];
      m['secrets'] = secrets;
    });
  const codesOf = (result: ManifestResult) => issuesOf(result).map((issue) => [issue.path, issue.code]);

  it('keeps the declared secrets in their order and defaults "required" to false', () => {
    const result = validateManifest(
      withSecrets([
        { name: 'api-token', title: 'API token', description: 'From the vendor.\nRotate yearly.', required: true },
        { name: 'WEBHOOK_KEY' },
      ]),
    );
    expect(result.ok && result.manifest.secrets).toStrictEqual([
      { name: 'api-token', title: 'API token', description: 'From the vendor.\nRotate yearly.', required: true },
      { name: 'WEBHOOK_KEY', required: false },
    ]);
  });

  it('tells "declares none" (absent) from "declares an empty list"', () => {
    const absent = validateManifest(fullManifest());
    expect(absent.ok && 'secrets' in absent.manifest).toBe(false);
    const empty = validateManifest(withSecrets([], []));
    expect(empty.ok && empty.manifest.secrets).toStrictEqual([]);
  });

  it('accepts the edges of the limits', () => {
    const many = Array.from({ length: 32 }, (_, index) => ({ name: `s${index}`.padEnd(64, 'x') }));
    many[0] = { ...many[0]!, title: 't'.repeat(100), description: 'd'.repeat(500) } as (typeof many)[0];
    expect(validateManifest(withSecrets(many)).ok).toBe(true);
  });

  it('names each bad entry with a stable code, in one pass', () => {
    const result = validateManifest(
      withSecrets([
        { name: 'api-token' },
        { name: 'api token' },
        { name: 'api-token', required: 'yes' },
        { name: 'x'.repeat(65) },
        { name: 'ok', title: 't'.repeat(101), description: 'd'.repeat(501) },
        { name: 'ok2', title: 'Two\nlines', description: 'evil \u202e' },
        { title: 'no name' },
        { name: 'extra', secret: 'value' },
        'api-token',
        { name: 7 },
      ]),
    );
    expect(codesOf(result)).toEqual([
      ['secrets[1].name', 'SECRET_NAME_INVALID'],
      ['secrets[2].required', 'SECRET_ENTRY_INVALID'],
      ['secrets[3].name', 'SECRET_NAME_INVALID'],
      ['secrets[4].title', 'SECRET_TEXT_TOO_LONG'],
      ['secrets[4].description', 'SECRET_TEXT_TOO_LONG'],
      ['secrets[5].title', 'SECRET_TEXT_INVALID'],
      ['secrets[5].description', 'SECRET_TEXT_INVALID'],
      ['secrets[6].name', 'SECRET_ENTRY_INVALID'],
      ['secrets[7].secret', 'SECRET_ENTRY_INVALID'],
      ['secrets[8]', 'SECRET_ENTRY_INVALID'],
      ['secrets[9].name', 'SECRET_ENTRY_INVALID'],
    ]);
  });

  it('refuses a name declared twice, exactly as written (names are case-sensitive)', () => {
    const result = validateManifest(withSecrets([{ name: 'API_TOKEN' }, { name: 'api_token' }, { name: 'API_TOKEN' }]));
    expect(issuesOf(result)).toEqual([
      {
        path: 'secrets[2].name',
        message: 'repeats secrets[0] ("API_TOKEN"); each secret is declared once',
        code: 'SECRET_DUPLICATE',
      },
    ]);
  });

  it('refuses more than 32 secrets and a list that is not an array', () => {
    const many = Array.from({ length: 33 }, (_, index) => ({ name: `s${index}` }));
    expect(codesOf(validateManifest(withSecrets(many)))).toEqual([['secrets', 'SECRETS_TOO_MANY']]);
    expect(codesOf(validateManifest(withSecrets({ name: 'api-token' })))).toEqual([
      ['secrets', 'SECRET_ENTRY_INVALID'],
    ]);
  });

  it('uses the secret name rule of the secrets API', () => {
    for (const name of ['a', 'A.b_c-9', 'x'.repeat(64)]) {
      expect(validateManifest(withSecrets([{ name }])).ok).toBe(true);
    }
    for (const name of ['', 'a/b', 'ä', 'a b', 'x'.repeat(65)]) {
      expect(codesOf(validateManifest(withSecrets([{ name }])))).toEqual([['secrets[0].name', 'SECRET_NAME_INVALID']]);
    }
  });

  it('requires cap:secrets.get when secrets are declared', () => {
    expect(codesOf(validateManifest(withSecrets([{ name: 'api-token' }], ['cap:log.emit'])))).toEqual([
      ['secrets', 'SECRETS_CAPABILITY_MISSING'],
    ]);
  });
});
