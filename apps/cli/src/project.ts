import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest, type ManifestV2 } from '@extplat/bundle';
import { CliError, ExitCode } from './exit-codes.js';

/** Reads and validates `<dir>/manifest.json` (file existence is checked later, by pack). */
export async function readProjectManifest(directory: string): Promise<ManifestV2> {
  const path = join(directory, 'manifest.json');
  const text = await readFile(path, 'utf8').catch(() => {
    throw new CliError(
      ExitCode.INPUT,
      `${path}: no such file (is ${directory} an extension directory?)`,
      'FILE_NOT_FOUND',
    );
  });
  const parsed = parseManifest(text);
  if (!parsed.ok) {
    throw new CliError(ExitCode.INVALID_MANIFEST, `${path} is not valid`, 'INVALID_MANIFEST', {
      issues: parsed.issues,
    });
  }
  return parsed.manifest;
}
