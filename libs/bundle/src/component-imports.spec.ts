import { describe, expect, it } from '@jest/globals';
import { leb128 } from '@extplat/testing';
import { ComponentImportReader, MAX_COMPONENT_IMPORT_BYTES, type WasmBinaryScan } from './component-imports.js';

const COMPONENT_PREAMBLE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
const CORE_PREAMBLE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

const bytes = (...values: number[]): Buffer => Buffer.from(values);
const name = (text: string): Buffer => {
  const utf8 = Buffer.from(text, 'utf8');
  return Buffer.concat([leb128(utf8.length), utf8]);
};
const section = (id: number, body: Buffer): Buffer => Buffer.concat([bytes(id), leb128(body.length), body]);
/** A section whose size (under 128) is written in five bytes, as padded LEB128 may be. */
const paddedSizeSection = (id: number, body: Buffer): Buffer =>
  Buffer.concat([bytes(id, 0x80 | body.length, 0x80, 0x80, 0x80, 0x00), body]);
const importSection = (...imports: Buffer[]): Buffer =>
  section(0x0a, Buffer.concat([leb128(imports.length), ...imports]));
/** importname' with tag 0x00: the name alone, the version inside it. */
const plainImport = (text: string, externdesc: Buffer): Buffer => Buffer.concat([bytes(0x00), name(text), externdesc]);
/** importname' with tag 0x01: a name and a version suffix string. */
const suffixedImport = (text: string, suffix: string, externdesc: Buffer): Buffer =>
  Buffer.concat([bytes(0x01), name(text), name(suffix), externdesc]);
const INSTANCE_0 = bytes(0x05, 0x00);

function scan(...chunks: Uint8Array[]): WasmBinaryScan {
  const reader = new ComponentImportReader();
  for (const chunk of chunks) reader.push(chunk);
  return reader.end();
}

/** A component with every kind of section around three import sections, and a nested component to ignore. */
function sampleParts(): Buffer[] {
  const nested = Buffer.concat([
    COMPONENT_PREAMBLE,
    importSection(plainImport('wasi:filesystem/types@0.2.3', INSTANCE_0)),
  ]);
  return [
    COMPONENT_PREAMBLE,
    section(0x00, Buffer.concat([name('producers'), Buffer.from('componentize-js')])),
    section(0x07, bytes(0x01, 0x42, 0x00)),
    importSection(
      plainImport('extplat:extension/log@1.0.0', INSTANCE_0),
      suffixedImport('wasi:io/streams@0.2', '.3', bytes(0x05, 0x01)),
    ),
    // A core module section, large enough for a two-byte size.
    section(0x01, Buffer.concat([CORE_PREAMBLE, Buffer.alloc(300, 0x0b)])),
    section(0x04, nested),
    importSection(
      plainImport('request', bytes(0x03, 0x00, 0x02)),
      plainImport('res', bytes(0x03, 0x01)),
      plainImport('run', bytes(0x01, 0x80, 0x01)),
      plainImport('lib', bytes(0x00, 0x11, 0x00)),
      plainImport('answer', bytes(0x02, 0x01, 0x79)),
      plainImport('plugin', bytes(0x04, 0x03)),
    ),
    // A size written in five bytes (padded LEB128 is valid), then an empty canon section.
    paddedSizeSection(0x0a, Buffer.concat([leb128(1), plainImport('wasi:cli/stdout@0.2.3', INSTANCE_0)])),
    section(0x08, Buffer.alloc(0)),
    section(0x0b, Buffer.concat([leb128(1), bytes(0x00), name('handle'), bytes(0x01, 0x00, 0x00)])),
  ];
}

const SAMPLE = Buffer.concat(sampleParts());
const SAMPLE_IMPORTS = [
  { name: 'extplat:extension/log@1.0.0', kind: 'instance' },
  { name: 'wasi:io/streams@0.2.3', kind: 'instance' },
  { name: 'request', kind: 'type', typeBound: 'eq' },
  { name: 'res', kind: 'type', typeBound: 'sub-resource' },
  { name: 'run', kind: 'func' },
  { name: 'lib', kind: 'core-module' },
  { name: 'answer', kind: 'value' },
  { name: 'plugin', kind: 'component' },
  { name: 'wasi:cli/stdout@0.2.3', kind: 'instance' },
];

describe('ComponentImportReader', () => {
  it('lists the top-level imports of every import section and ignores those of nested components', () => {
    expect(scan(SAMPLE)).toEqual({ kind: 'component', imports: SAMPLE_IMPORTS });
  });

  it('gives the same answer wherever the chunks are cut', () => {
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      expect(scan(SAMPLE.subarray(0, cut), SAMPLE.subarray(cut))).toEqual({
        kind: 'component',
        imports: SAMPLE_IMPORTS,
      });
    }
    const oneByteAtATime = [...SAMPLE].map((byte) => bytes(byte));
    expect(scan(...oneByteAtATime)).toEqual({ kind: 'component', imports: SAMPLE_IMPORTS });
  });

  it('reads a component with no sections as one without imports', () => {
    expect(scan(COMPONENT_PREAMBLE)).toEqual({ kind: 'component', imports: [] });
  });

  it('refuses a component cut anywhere but between two sections', () => {
    const boundaries = new Set<number>();
    let offset = 0;
    for (const part of sampleParts()) boundaries.add((offset += part.length));
    for (let length = COMPONENT_PREAMBLE.length; length < SAMPLE.length; length++) {
      const result = scan(SAMPLE.subarray(0, length));
      if (boundaries.has(length)) expect(result.kind).toBe('component');
      else expect(result).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^ends inside section \d+/) });
    }
    expect(scan(COMPONENT_PREAMBLE.subarray(0, 6))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/preamble/),
    });
  });

  it('refuses import sections larger than the cap as soon as their size is read, before buffering them', () => {
    const reader = new ComponentImportReader();
    reader.push(COMPONENT_PREAMBLE);
    reader.push(Buffer.concat([bytes(0x0a), leb128(MAX_COMPONENT_IMPORT_BYTES + 1)]));
    expect(reader.done).toBe(true);
    expect(reader.end()).toEqual({
      kind: 'invalid',
      reason: expect.stringContaining(`more than ${MAX_COMPONENT_IMPORT_BYTES} bytes`),
      offset: 8,
    });
  });

  it('counts the cap over all import sections of the component', () => {
    const two = Buffer.concat([
      COMPONENT_PREAMBLE,
      importSection(plainImport('extplat:extension/log@1.0.0', INSTANCE_0)),
      importSection(plainImport('extplat:extension/http@1.0.0', INSTANCE_0)),
    ]);
    const small = new ComponentImportReader(40);
    small.push(two);
    expect(small.end()).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('more than 40 bytes') });
  });

  it('skips a section of any declared size by counting, without holding its bytes', () => {
    const reader = new ComponentImportReader();
    reader.push(Buffer.concat([COMPONENT_PREAMBLE, bytes(0x01), leb128(0xffff_ffff)]));
    for (let i = 0; i < 64; i++) reader.push(Buffer.alloc(1024 * 1024));
    expect(reader.done).toBe(false);
    expect(reader.end()).toMatchObject({ kind: 'invalid', reason: 'ends inside section 1 that starts at byte 8' });
  });

  it('tells a core module and a non-WebAssembly file apart from a component after the first bytes', () => {
    const core = new ComponentImportReader();
    core.push(Buffer.concat([CORE_PREAMBLE, Buffer.alloc(100, 0xff)]));
    expect(core.done).toBe(true);
    expect(core.end()).toEqual({ kind: 'core-module' });

    const text = new ComponentImportReader();
    text.push(Buffer.from('<!doctype html>'));
    expect(text.done).toBe(true);
    expect(text.end()).toEqual({ kind: 'not-wasm' });
    expect(scan()).toEqual({ kind: 'not-wasm' });
    expect(scan(bytes(0x00, 0x61))).toEqual({ kind: 'not-wasm' });
  });

  it.each([
    [
      'an older component version',
      bytes(0x00, 0x61, 0x73, 0x6d, 0x0c, 0x00, 0x01, 0x00),
      /version 0x0c 0x00 is not supported/,
    ],
    ['an unknown layer', bytes(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x02, 0x00), /unknown WebAssembly version\/layer/],
    ['an unknown section id', Buffer.concat([COMPONENT_PREAMBLE, section(0x0d, bytes(0x00))]), /unknown section id 13/],
    [
      'a section size over 32 bits',
      Buffer.concat([COMPONENT_PREAMBLE, bytes(0x01, 0xff, 0xff, 0xff, 0xff, 0x1f)]),
      /valid u32/,
    ],
    [
      'an empty import section',
      Buffer.concat([COMPONENT_PREAMBLE, section(0x0a, Buffer.alloc(0))]),
      /empty import section/,
    ],
    [
      'an unknown import name tag',
      Buffer.concat([COMPONENT_PREAMBLE, importSection(Buffer.concat([bytes(0x02), name('x'), INSTANCE_0]))]),
      /import name tag 0x2/,
    ],
    [
      'an unknown sort',
      Buffer.concat([COMPONENT_PREAMBLE, importSection(plainImport('x', bytes(0x06, 0x00)))]),
      /unknown sort 0x6/,
    ],
    [
      'fewer imports than announced',
      Buffer.concat([COMPONENT_PREAMBLE, section(0x0a, Buffer.concat([leb128(2), plainImport('x', INSTANCE_0)]))]),
      /ends in the middle of an import/,
    ],
    [
      'bytes after the last import',
      Buffer.concat([
        COMPONENT_PREAMBLE,
        section(0x0a, Buffer.concat([leb128(1), plainImport('x', INSTANCE_0), bytes(0)])),
      ]),
      /bytes after its last import/,
    ],
    [
      'a name longer than its section',
      Buffer.concat([
        COMPONENT_PREAMBLE,
        section(0x0a, Buffer.concat([leb128(1), bytes(0x00, 0x7f), Buffer.from('abc')])),
      ]),
      /runs past its import section/,
    ],
    [
      'a name that is not UTF-8',
      Buffer.concat([COMPONENT_PREAMBLE, importSection(Buffer.concat([bytes(0x00, 0x02, 0xc3, 0x28), INSTANCE_0]))]),
      /not valid UTF-8/,
    ],
  ])('refuses %s', (_case, binary, reason) => {
    expect(scan(binary)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(reason) });
  });

  it('reports where the malformed part starts and ignores everything pushed after it', () => {
    const binary = Buffer.concat([COMPONENT_PREAMBLE, section(0x00, bytes(0x00)), bytes(0x0e)]);
    const reader = new ComponentImportReader();
    reader.push(binary);
    reader.push(Buffer.concat([COMPONENT_PREAMBLE, importSection(plainImport('x', INSTANCE_0))]));
    expect(reader.end()).toEqual({ kind: 'invalid', reason: 'unknown section id 14', offset: 11 });
  });
});
