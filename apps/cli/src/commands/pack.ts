import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { listTree, packFilesToFile, validateManifest, type ManifestV2, type PackResult } from '@extplat/bundle';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatBytes, type Output } from '../output.js';
import { readProjectManifest } from '../project.js';

const SBOM = 'sbom.spdx.json';

/**
 * What goes into the bundle: the manifest, its entry component, the folder of the UI entry and an SBOM
 * when there is one. Sources, tests and dependencies of the project stay out.
 */
export async function bundleFiles(directory: string, manifest: ManifestV2): Promise<string[]> {
  const files = new Set(['manifest.json', manifest.entry]);
  if (existsSync(resolve(directory, SBOM))) files.add(SBOM);
  if (manifest.ui) {
    const uiRoot = manifest.ui.entry.includes('/')
      ? manifest.ui.entry.slice(0, manifest.ui.entry.lastIndexOf('/'))
      : '';
    if (uiRoot === '') files.add(manifest.ui.entry);
    else for (const path of await listTree(resolve(directory, uiRoot))) files.add(`${uiRoot}/${path}`);
  }
  return [...files];
}

export async function packExtension(
  directory: string,
  outFile: string,
  output: Output,
  mtime?: Date,
): Promise<PackResult & { file: string }> {
  const manifest = await readProjectManifest(directory);
  const files = await bundleFiles(directory, manifest);
  const missing = files.filter((file) => !existsSync(resolve(directory, file)));
  const checked = validateManifest(manifest, { files: new Set(files.filter((file) => !missing.includes(file))) });
  if (!checked.ok) {
    const hint = missing.includes(manifest.entry) ? ` (run extctl build first: ${manifest.entry} is missing)` : '';
    throw new CliError(ExitCode.INVALID_MANIFEST, `manifest.json is not valid for packing${hint}`, 'INVALID_MANIFEST', {
      issues: checked.issues,
    });
  }
  const progress = output.progress('pack');
  const result = await packFilesToFile(directory, files, outFile, {
    mtime,
    onProgress: (p) =>
      progress.update(`${p.files}/${p.totalFiles} files, ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}`),
  });
  progress.done();
  return { ...result, file: outFile };
}

/** SOURCE_DATE_EPOCH (seconds), the reproducible-builds convention for a fixed timestamp. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): Date | undefined {
  const value = env['SOURCE_DATE_EPOCH'];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value))
    throw new CliError(ExitCode.USAGE, 'SOURCE_DATE_EPOCH must be a whole number of seconds', 'INVALID_OPTION');
  return new Date(Number(value) * 1000);
}

export function registerPack(program: Command, output: Output): void {
  program
    .command('pack')
    .description('pack an extension directory into a deterministic bundle (.tar.zst) and print its content hash')
    .argument('[dir]', 'extension directory', '.')
    .option('-o, --output <file>', 'bundle to write (default: <name>-<version>.tar.zst)')
    .action(async (dir: string, options: { output?: string }) => {
      const manifest = await readProjectManifest(dir);
      const file = options.output ?? `${manifest.name}-${manifest.version}.tar.zst`;
      const result = await packExtension(dir, file, output, sourceDateEpoch(process.env));
      output.result(
        {
          file,
          contentHash: result.contentHash,
          size: result.size,
          files: result.files,
          unpackedSize: result.unpackedSize,
        },
        `${file}\n  content hash  ${result.contentHash}\n  size          ${formatBytes(result.size)} (${result.size} bytes)\n  files         ${result.files} (${formatBytes(result.unpackedSize)} unpacked)`,
      );
    });
}
