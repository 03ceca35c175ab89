import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import ts from 'typescript';

/**
 * The top-level folders of the API's source (one feature, one folder) must not import each other in a
 * cycle: a kernel (`access/`, `database/`, `config/`) is imported by features and imports none of them.
 * Files at the top of the tree (`app.module.ts`, `schema.ts`, `main.ts`) are the composition root: they
 * import every folder, so they are left out of the graph, and so are imports that leave the tree.
 */
type FolderGraph = Map<string, Map<string, string>>;

function folderGraph(root: string): FolderGraph {
  const graph: FolderGraph = new Map();
  const folderOf = (file: string): string | null => {
    const relative = path.relative(root, file);
    if (relative.startsWith('..') || !relative.includes(path.sep)) return null;
    return relative.split(path.sep)[0] ?? null;
  };
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  for (const file of files) {
    const absolute = path.join(root, file);
    const from = folderOf(absolute);
    if (!from) continue;
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const imported of ts.preProcessFile(readFileSync(absolute, 'utf8'), true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const to = folderOf(path.resolve(path.dirname(absolute), imported.fileName));
      if (to && to !== from && !edges.has(to)) edges.set(to, `${file} imports ${imported.fileName}`);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the chain of imports that closes it. */
function findCycles(graph: FolderGraph): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (folder: string, trail: string[]): void => {
    const open = trail.indexOf(folder);
    if (open >= 0) {
      const loop = [...trail.slice(open), folder];
      cycles.push(loop.slice(1).map((to, index) => graph.get(loop[index] ?? '')?.get(to) ?? to));
      return;
    }
    if (done.has(folder)) return;
    for (const next of [...(graph.get(folder)?.keys() ?? [])].sort()) walk(next, [...trail, folder]);
    done.add(folder);
  };
  for (const folder of [...graph.keys()].sort()) walk(folder, []);
  return cycles;
}

describe('imports between the top-level folders of apps/api/src', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'folder-cycles-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('form no cycle', () => {
    const root = path.dirname(fileURLToPath(import.meta.url));
    const graph = folderGraph(root);
    expect(graph.has('upload')).toBe(true);
    expect(graph.get('upload')?.has('registry')).toBe(true);
    expect(findCycles(graph)).toEqual([]);
  });

  it('are reported when two folders import each other, even through a third', () => {
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
      writeFileSync(path.join(scratch, file), text);
    };
    write('app.module.ts', "import { a } from './audit/audit.js';\n");
    write('audit/audit.ts', "import type { P } from '../auth/principal.js';\nexport const a = 1;\n");
    write('auth/principal.ts', "export type P = string;\nexport { s } from '../auth/users.js';\n");
    write('auth/users.ts', "import { k } from '../kernel/k.js';\nexport const s = k;\n");
    write('kernel/k.ts', "export const k = 1;\nexport async function l() { return import('../audit/audit.js'); }\n");
    expect(findCycles(folderGraph(scratch))).toEqual([
      [
        'audit/audit.ts imports ../auth/principal.js',
        'auth/users.ts imports ../kernel/k.js',
        'kernel/k.ts imports ../audit/audit.js',
      ],
    ]);
  });
});
