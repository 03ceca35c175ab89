import { stat } from 'node:fs/promises';
import { inspectBundle, readFileReusingBuffer, type BundleInspection } from '@extplat/bundle';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatBytes, type Output } from '../output.js';

/** Streams a bundle file through every check of the format, with a progress line. */
export async function inspectFile(file: string, output: Output): Promise<BundleInspection> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new CliError(ExitCode.INPUT, `${file}: no such file`, 'FILE_NOT_FOUND');
  const progress = output.progress('inspect');
  const result = await inspectBundle(readFileReusingBuffer(file), {
    onProgress: (p) =>
      progress.update(
        `${Math.floor((p.compressedBytes / Math.max(info.size, 1)) * 100)}% (${p.entries} entries, ${formatBytes(p.unpackedBytes)})`,
      ),
  });
  progress.done();
  return result;
}

export function registerInspect(program: Command, output: Output): void {
  program
    .command('inspect')
    .description('check a bundle and show its manifest, files, sizes and content hash')
    .argument('<bundle>', 'bundle file (.tar.zst)')
    .action(async (file: string) => {
      const result = await inspectFile(file, output);
      const { manifest } = result;
      const lines = [
        `${manifest.name} ${manifest.version} by ${manifest.publisher}${manifest.displayName ? ` (${manifest.displayName})` : ''}`,
        `  content hash  ${result.contentHash}`,
        `  size          ${formatBytes(result.size)} compressed, ${formatBytes(result.unpackedSize)} unpacked`,
        `  runtime       ${manifest.runtime}, entry ${manifest.entry}`,
        `  capabilities  ${manifest.capabilities.join(', ') || 'none'}`,
        `  egress        ${manifest.egress.join(', ') || 'none'}`,
        `  ui            ${manifest.ui?.entry ?? 'none'}`,
        `  endpoints     ${manifest.api.endpoints.map((e) => `${e.method} ${e.path}`).join(', ') || 'none'}`,
        '  files',
        ...result.files.map((entry) => `    ${formatBytes(entry.size).padStart(10)}  ${entry.path}`),
      ];
      output.result(
        {
          contentHash: result.contentHash,
          size: result.size,
          unpackedSize: result.unpackedSize,
          entryCount: result.entryCount,
          manifest,
          files: result.files,
        },
        lines.join('\n'),
      );
    });
}
