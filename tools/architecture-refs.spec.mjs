// Every reference from code to docs/architecture.md resolves: `ARCHITECTURE §9.2` names a numbered
// heading that exists (`### 9.2 Bundle cache`), and `architecture.md#anchor` names a heading's anchor.
// Reads the sources as text, so a comment cannot point at a section that was renumbered or removed.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const SOURCE_ROOTS = ['apps', 'libs', 'scripts', 'test', 'tools'];
const SKIP = /(^|\/)(node_modules|dist|\.angular)(\/|$)/;
/** This file quotes broken references on purpose. */
const SELF = 'tools/architecture-refs.spec.mjs';

/** Numbered headings (`## 4. Upload flow`, `### 9.2 Bundle cache`): their numbers and GitHub anchors. */
export function sectionsOf(markdown) {
  const numbers = new Set();
  const anchors = new Set();
  for (const [, title] of markdown.matchAll(/^#{1,4} (.+)$/gm)) {
    const number = /^(\d+(?:\.\d+)*)\.? /.exec(title)?.[1];
    if (number) numbers.add(number);
    anchors.add(
      title
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return { numbers, anchors };
}

/** The references in one source text that name no section: `file:line: reference`. */
export function unresolved(file, text, sections) {
  const problems = [];
  text.split('\n').forEach((line, index) => {
    const at = `${file}:${index + 1}`;
    // `ARCHITECTURE §6, §7` names two sections.
    for (const [group] of line.matchAll(/ARCHITECTURE\s+§[\d.]+(?:\s*(?:,|and)\s*§[\d.]+)*/g)) {
      for (const [, number] of group.matchAll(/§(\d+(?:\.\d+)*)/g)) {
        if (!sections.numbers.has(number)) problems.push(`${at}: ARCHITECTURE §${number}`);
      }
    }
    for (const [, anchor] of line.matchAll(/architecture\.md#([\w-]+)/g)) {
      if (!sections.anchors.has(anchor)) problems.push(`${at}: architecture.md#${anchor}`);
    }
  });
  return problems;
}

function sourceFiles() {
  const files = [];
  for (const top of SOURCE_ROOTS) {
    for (const entry of readdirSync(join(root, top), { recursive: true, encoding: 'utf8' })) {
      const path = join(top, entry);
      if (!SKIP.test(path) && path !== SELF && /\.(ts|mjs|js|sh)$/.test(path)) files.push(path);
    }
  }
  return files;
}

describe('references to docs/architecture.md', () => {
  const sections = sectionsOf(readFileSync(join(root, 'docs/architecture.md'), 'utf8'));

  it('all resolve to a numbered section or a heading', () => {
    const files = sourceFiles();
    const problems = files.flatMap((file) => unresolved(file, readFileSync(join(root, file), 'utf8'), sections));
    const references = files.filter((file) => readFileSync(join(root, file), 'utf8').includes('ARCHITECTURE §'));
    expect(references.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('numbers every section of the document', () => {
    expect([...sections.numbers]).toEqual(expect.arrayContaining(['1', '4', '9', '9.2', '11']));
  });

  it('reports a section number or an anchor that does not exist', () => {
    const doc = sectionsOf('# Title\n\n## 1. Overview\n\n## 2. Runner\n\n### 2.1 Bundle cache\n');
    expect(doc.anchors.has('21-bundle-cache')).toBe(true);
    const text = [
      '/** ok (ARCHITECTURE §2.1) and (ARCHITECTURE §1, §2) */',
      '/** renumbered (ARCHITECTURE §1, §3) */',
      '// see docs/architecture.md#21-bundle-cache and docs/architecture.md#bundle-cache',
      '/** gone (ARCHITECTURE §2.4) */',
    ].join('\n');
    expect(unresolved('x.ts', text, doc)).toEqual([
      'x.ts:2: ARCHITECTURE §3',
      'x.ts:3: architecture.md#bundle-cache',
      'x.ts:4: ARCHITECTURE §2.4',
    ]);
  });
});
