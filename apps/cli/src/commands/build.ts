import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WIT_DIR, WIT_WORLD } from '@extplat/bundle';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatBytes, type Output } from '../output.js';
import { readProjectManifest } from '../project.js';
import type { ComponentizeAnswer, ComponentizeJob } from './build-worker.js';

/**
 * WASI features the component may not use: no stdio, no outgoing HTTP of its own (egress goes through
 * the platform's http import). Clocks and random stay, or Date.now() and Math.random() would be frozen
 * at build time and identical in every instance.
 */
const DISABLED_FEATURES = ['stdio', 'http', 'fetch-event'] as const;

/**
 * The compiled build process. The path goes through dist/ so that it names the same file from src/ (tests
 * run the TypeScript sources) and from dist/ (the installed command): apps/cli/dist/commands/build-worker.js.
 */
const BUILD_PROCESS = fileURLToPath(new URL('../../dist/commands/build-worker.js', import.meta.url));

/** The signals that stop a build, each with its exit status (128 + the signal's number, as shells report). */
const STOP_SIGNALS = { SIGINT: ExitCode.INTERRUPTED, SIGTERM: ExitCode.TERMINATED } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

class BuildStopped extends Error {
  constructor(readonly signal: StopSignal) {
    super(`stopped by ${signal}`);
  }
}

/**
 * Runs componentize-js in a child process and settles when that process has ended, never before. SIGINT
 * and SIGTERM sent to extctl stop the child and everything it started, a second one at once (SIGKILL), and
 * the build rejects with `BuildStopped`; without this the child would build on, orphaned, after extctl left.
 */
async function componentizeInChild(job: ComponentizeJob): Promise<Uint8Array> {
  // componentize-js keeps its work files under os.tmpdir(); a private one can be removed even when the
  // build is killed before it cleans up after itself.
  const workDir = await mkdtemp(join(tmpdir(), 'extctl-build-'));
  try {
    return await new Promise((resolvePromise, reject) => {
      // Its stdout (the handler's console output while the engine snapshots it) goes to stderr, so that
      // --json keeps stdout for the one result document; 'advanced' carries the bytes without JSON.
      // Detached: the child leads a process group of its own, so that stopping the build also stops the
      // wizer process componentize-js spawns; a terminal's Ctrl-C reaches it through extctl.
      const child = fork(BUILD_PROCESS, [], {
        stdio: ['ignore', 2, 2, 'ipc'],
        serialization: 'advanced',
        detached: true,
        env: { ...process.env, TMPDIR: workDir },
      });
      let answer: ComponentizeAnswer | undefined;
      let stoppedBy: StopSignal | undefined;
      const stop = (signal: StopSignal): void => {
        const forward = stoppedBy === undefined ? signal : 'SIGKILL';
        stoppedBy ??= signal;
        try {
          process.kill(-child.pid!, forward);
        } catch {
          // The group has already gone: 'close' settles the build.
        }
      };
      const onSigint = (): void => stop('SIGINT');
      const onSigterm = (): void => stop('SIGTERM');
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      const settle = (): void => {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      };
      child.once('message', (message: ComponentizeAnswer) => (answer = message));
      child.once('error', (error) => {
        settle();
        reject(error);
      });
      // 'close', not 'exit': it comes after the IPC channel is drained, so a large answer still in the pipe
      // has been read by then.
      child.once('close', (code, signal) => {
        settle();
        if (stoppedBy !== undefined) reject(new BuildStopped(stoppedBy));
        else if (answer === undefined) {
          reject(new Error(`the build process ended (${signal ?? `exit ${code}`}) without a component`));
        } else if ('component' in answer) resolvePromise(answer.component);
        else reject(new Error(answer.error));
      });
      child.send(job);
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export interface BuildResult {
  entry: string;
  size: number;
  milliseconds: number;
}

export async function buildComponent(directory: string, source: string, output: Output): Promise<BuildResult> {
  const manifest = await readProjectManifest(directory);
  const sourcePath = resolve(directory, source);
  if (!(await stat(sourcePath).catch(() => null))?.isFile()) {
    throw new CliError(ExitCode.INPUT, `${sourcePath}: no such file (pass --source)`, 'FILE_NOT_FOUND');
  }
  const progress = output.progress('build');
  const started = Date.now();
  // The engine snapshot takes 15 s to a minute: a line every second says the build is alive.
  const ticker = setInterval(
    () =>
      progress.update(
        `componentizing ${source} with the JavaScript engine (${Math.round((Date.now() - started) / 1000)} s)`,
      ),
    1000,
  );
  progress.update(`componentizing ${source}`);
  let component: Uint8Array;
  try {
    component = await componentizeInChild({
      sourcePath,
      witPath: WIT_DIR,
      worldName: WIT_WORLD,
      disableFeatures: [...DISABLED_FEATURES],
    });
  } catch (error) {
    progress.done();
    if (error instanceof BuildStopped) {
      throw new CliError(STOP_SIGNALS[error.signal], `build of ${source} ${error.message}`, 'INTERRUPTED', {
        signal: error.signal,
      });
    }
    throw new CliError(
      ExitCode.BUILD,
      `building ${source} failed: ${error instanceof Error ? error.message : String(error)}`,
      'BUILD_FAILED',
    );
  } finally {
    clearInterval(ticker);
  }
  const entryPath = join(directory, manifest.entry);
  await mkdir(dirname(entryPath), { recursive: true });
  await writeFile(entryPath, component);
  const milliseconds = Date.now() - started;
  progress.done();
  return { entry: manifest.entry, size: component.length, milliseconds };
}

export function registerBuild(program: Command, output: Output): void {
  program
    .command('build')
    .description("build the handler into the manifest's entry component with componentize-js")
    .argument('[dir]', 'extension directory', '.')
    .option('--source <file>', 'handler module, relative to the directory', 'src/handler.js')
    .action(async (dir: string, options: { source: string }) => {
      const result = await buildComponent(dir, options.source, output);
      output.result(
        { ...result },
        `built ${result.entry} (${formatBytes(result.size)}) in ${(result.milliseconds / 1000).toFixed(1)} s`,
      );
    });
}
