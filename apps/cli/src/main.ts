import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerDigest } from './commands/digest.js';
import { CliError, ExitCode } from './exit-codes.js';
import { createOutput } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Runs extctl with `argv` (as in process.argv) and resolves to the exit status. */
export async function main(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<number> {
  const json = argv.includes('--json');
  const output = createOutput(json, io.stdout, io.stderr);
  const program = new Command('extctl')
    .description('Build, sign and publish Extension Platform bundles')
    .version(version, '-V, --version')
    .option('--json', 'print one JSON document per command, for scripts and CI')
    .showHelpAfterError('(run extctl --help for usage)')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();
  registerDigest(program, output);
  try {
    await program.parseAsync(argv);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (error instanceof CliError) {
      output.error(error.code, error.message);
      return error.exitCode;
    }
    output.error('UNEXPECTED', error instanceof Error ? (error.stack ?? error.message) : String(error));
    return ExitCode.FAILURE;
  }
}
