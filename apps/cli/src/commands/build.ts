import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WIT_DIR, WIT_WORLD } from '@extplat/bundle';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatBytes, type Output } from '../output.js';
import { readProjectManifest } from '../project.js';

/**
 * WASI features the component may not use: no stdio, no outgoing HTTP of its own (egress goes through
 * the platform's http import). Clocks and random stay, or Date.now() and Math.random() would be frozen
 * at build time and identical in every instance.
 */
const DISABLED_FEATURES = ['stdio', 'http', 'fetch-event'] as const;

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
  const ticker = setInterval(
    () => progress.update(`componentizing ${source} (${Math.round((Date.now() - started) / 1000)} s)`),
    1000,
  );
  progress.update(`componentizing ${source}`);
  let component: Uint8Array;
  try {
    // Loaded on demand: it is large, and only this command needs it.
    const { componentize } = await import('@bytecodealliance/componentize-js');
    ({ component } = await componentize({
      sourcePath,
      witPath: WIT_DIR,
      worldName: WIT_WORLD,
      disableFeatures: [...DISABLED_FEATURES],
    }));
  } catch (error) {
    progress.done();
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
