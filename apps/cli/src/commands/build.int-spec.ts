import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../exit-codes.js';
import { main } from '../main.js';

const EXTCTL = fileURLToPath(new URL('../../bin/extctl.js', import.meta.url));

interface ProcessEntry {
  pid: number;
  ppid: number;
  state: string;
  command: string;
}

/** Every process on the machine, from /proc (fields after the command name, which may hold spaces). */
function processes(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      entries.push({ pid: Number(name), ppid: Number(ppid), state, command });
    } catch {
      // The process ended while we looked.
    }
  }
  return entries;
}

/** The processes below `root`, children first. */
function descendants(root: number): ProcessEntry[] {
  const all = processes();
  const found: ProcessEntry[] = [];
  let parents = new Set([root]);
  while (parents.size > 0) {
    const children = all.filter((entry) => parents.has(entry.ppid));
    found.push(...children);
    parents = new Set(children.map((entry) => entry.pid));
  }
  return found;
}

/** A zombie has ended; only its exit status waits to be collected. */
function isRunning(pid: number): boolean {
  return processes().some((entry) => entry.pid === pid && entry.state !== 'Z');
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `extctl build` stopped by a signal, as the real command in its own process: its build process (and the
 * wizer process componentize-js starts) must end with it, not keep building orphaned.
 */
describe('extctl build stopped by a signal', () => {
  const work = mkdtempSync(join(tmpdir(), 'extctl-build-signal-'));
  const project = join(work, 'ticket-helper');

  beforeAll(async () => {
    const quiet = new PassThrough().resume();
    const previous = process.cwd();
    process.chdir(work);
    try {
      expect(
        await main(['node', 'extctl', 'init', 'ticket-helper', '--publisher', 'acme'], {
          stdout: quiet,
          stderr: quiet,
        }),
      ).toBe(0);
    } finally {
      process.chdir(previous);
    }
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Starts `extctl --json build` with a TMPDIR of its own, so that leftovers can be seen. */
  function startBuild(name: string) {
    const temp = join(work, `tmp-${name}`);
    mkdirSync(temp);
    const child = spawn(process.execPath, [EXTCTL, '--json', 'build'], {
      cwd: project,
      env: { ...process.env, TMPDIR: temp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, temp, exited, output: () => ({ stdout, stderr }) };
  }

  it('ends the build process and its wizer on SIGTERM and exits 143', async () => {
    const build = startBuild('term');
    const pid = build.child.pid!;
    // Wait until componentize-js has started wizer: the build process then has a process of its own.
    const wizer = await waitFor(
      'wizer to start',
      () => descendants(pid).find((entry) => entry.command.includes('wizer') && entry.state !== 'Z'),
      180_000,
    );
    const tree = descendants(pid);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    build.child.kill('SIGTERM');
    const exit = await build.exited;
    expect(exit).toEqual({ code: ExitCode.TERMINATED, signal: null });
    for (const entry of [...tree, wizer])
      expect({ ...entry, running: isRunning(entry.pid) }).toMatchObject({ running: false });
    const { stdout } = build.output();
    expect(JSON.parse(stdout)).toMatchObject({
      error: { code: 'INTERRUPTED', message: expect.stringContaining('SIGTERM'), details: { signal: 'SIGTERM' } },
    });
    expect(existsSync(join(project, 'dist/main.wasm'))).toBe(false);
    expect(readdirSync(build.temp)).toEqual([]);
  }, 240_000);

  it('ends the build process on SIGINT and exits 130', async () => {
    const build = startBuild('int');
    const pid = build.child.pid!;
    const buildProcess = await waitFor(
      'the build process to start',
      () => descendants(pid).find((entry) => entry.command.includes('build-worker')),
      60_000,
    );
    build.child.kill('SIGINT');
    const exit = await build.exited;
    expect(exit).toEqual({ code: ExitCode.INTERRUPTED, signal: null });
    expect(isRunning(buildProcess.pid)).toBe(false);
    expect(existsSync(join(project, 'dist/main.wasm'))).toBe(false);
    expect(readdirSync(build.temp)).toEqual([]);
  }, 120_000);
});
