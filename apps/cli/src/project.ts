import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeManifestText, parseManifest, type ManifestV2 } from '@extplat/bundle';
import { CliError, ExitCode } from './exit-codes.js';

/** Reads and validates `<dir>/manifest.json` (file existence is checked later, by pack). */
export async function readProjectManifest(directory: string): Promise<ManifestV2> {
  const path = join(directory, 'manifest.json');
  const bytes = await readFile(path).catch(() => {
    throw new CliError(
      ExitCode.INPUT,
      `${path}: no such file (is ${directory} an extension directory?)`,
      'FILE_NOT_FOUND',
    );
  });
  // As the bundle reader decodes it: bytes that are not UTF-8 are refused here already, not replaced.
  const parsed = parseManifest(decodeManifestText(bytes));
  if (!parsed.ok) {
    throw new CliError(ExitCode.INVALID_MANIFEST, `${path} is not valid`, 'INVALID_MANIFEST', {
      issues: parsed.issues,
    });
  }
  return parsed.manifest;
}
