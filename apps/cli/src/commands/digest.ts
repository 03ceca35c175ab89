import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { digestStream } from '@extplat/bundle';
import type { ContentHash } from '@extplat/contracts';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';

/** Streams a file through SHA-256: the content hash the platform addresses a bundle by. */
export async function digestFile(path: string): Promise<{ contentHash: ContentHash; size: number }> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new CliError(ExitCode.INPUT, `${path}: no such file`, 'FILE_NOT_FOUND');
  return digestStream(createReadStream(path));
}

export function registerDigest(program: Command, output: Output): void {
  program
    .command('digest')
    .description('print the content hash (sha256:<hex>) and size of a file, e.g. a bundle.tar.zst')
    .argument('<file>', 'file to hash')
    .action(async (file: string) => {
      const result = await digestFile(file);
      output.result(result, `${result.contentHash}  ${result.size} bytes  ${file}`);
    });
}
