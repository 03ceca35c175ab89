import { writeFile } from 'node:fs/promises';
import { signBundle } from '@extplat/signing';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { digestFile } from './digest.js';
import { readInput } from './keygen.js';

export function registerSign(program: Command, output: Output): void {
  program
    .command('sign')
    .description('sign a bundle: writes the detached signature envelope <bundle>.sig')
    .argument('<bundle>', 'bundle file (.tar.zst)')
    .requiredOption('--key <pem>', 'publisher private key (PEM)')
    .requiredOption('--cert <pem>', 'publisher certificate (PEM); may also hold intermediates after the leaf')
    .option('--chain <pem>', 'intermediate CA certificates (PEM), if not in --cert')
    .option('-o, --output <file>', 'envelope to write (default: <bundle>.sig)')
    .option('--force', 'overwrite an existing envelope')
    .action(
      async (
        bundle: string,
        options: { key: string; cert: string; chain?: string; output?: string; force?: boolean },
      ) => {
        const target = options.output ?? `${bundle}.sig`;
        const { contentHash } = await digestFile(bundle);
        const certificates = [
          await readInput(options.cert),
          ...(options.chain ? [await readInput(options.chain)] : []),
        ];
        const envelope = signBundle({
          contentHash,
          privateKeyPem: await readInput(options.key),
          certificatesPem: certificates,
        });
        await writeFile(target, `${JSON.stringify(envelope, null, 2)}\n`, { flag: options.force ? 'w' : 'wx' }).catch(
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'EEXIST')
              throw new CliError(ExitCode.EXISTS, `${target} exists (use --force to replace it)`, 'TARGET_EXISTS');
            throw error;
          },
        );
        output.result(
          { signature: target, contentHash, algorithm: envelope.algorithm },
          `signed ${contentHash}\n  ${target}`,
        );
      },
    );
}
