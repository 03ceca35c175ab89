// The integration setup's build check, on a throwaway one-file TypeScript project built by the real tsc.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuildIsFresh, staleProjects } from './dist-freshness.mjs';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'extplat-fresh-'));
  mkdirSync(join(dir, 'src'));
  const compilerOptions = { composite: true, rootDir: 'src', outDir: 'dist', strict: true, types: [], lib: ['es2022'] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
  writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
  const build = () => {
    const result = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stdout + result.stderr);
  };
  return { dir, build };
}

describe('the integration setup refuses a stale build', () => {
  it('passes a build that matches its sources, touched or not', () => {
    const { dir, build } = project();
    try {
      build();
      expect(staleProjects(dir, 'tsconfig.json')).toEqual([]);
      // Saved again without a change: the output still matches, so no rebuild is demanded.
      writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
      expect(() => assertBuildIsFresh(dir, 'tsconfig.json')).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('names the project whose sources changed since its build, and how to build it', () => {
    const { dir, build } = project();
    try {
      build();
      writeFileSync(join(dir, 'src/a.ts'), 'export const a = 2;\n');
      expect(staleProjects(dir, 'tsconfig.json')).toEqual([join(dir, 'tsconfig.json')]);
      expect(() => assertBuildIsFresh(dir, 'tsconfig.json')).toThrow(
        /older than the sources[\s\S]*npm run build:server/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('counts a project never built as stale', () => {
    const { dir } = project();
    try {
      expect(staleProjects(dir, 'tsconfig.json')).toEqual([join(dir, 'tsconfig.json')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
