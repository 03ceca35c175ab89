import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { BundleError } from '@extplat/bundle';
import { SigningError } from '@extplat/signing';
import { registerBuild } from './commands/build.js';
import { registerDigest } from './commands/digest.js';
import { registerInit } from './commands/init.js';
import { registerInspect } from './commands/inspect.js';
import { registerInstallCommands } from './commands/installs.js';
import { registerKeygen } from './commands/keygen.js';
import { registerPack } from './commands/pack.js';
import { registerPublish } from './commands/publish.js';
import { registerSign } from './commands/sign.js';
import { registerVerify } from './commands/verify.js';
import type { CliContext } from './context.js';
import { CliError, ExitCode, exitCodeHelp } from './exit-codes.js';
import { createOutput, type OutputStreams } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Runs extctl with `argv` (as in process.argv) and resolves to the exit status. */
export async function main(
  argv: string[],
  io: OutputStreams = process,
  options: Partial<CliContext> = {},
): Promise<number> {
  const json = argv.includes('--json');
  const context: CliContext = { env: process.env, stdin: process.stdin, ...options };
  const output = createOutput(json, io, context.progressIntervalMs);
  const program = new Command('extctl')
    .description('Build, sign and publish Extension Platform bundles')
    .version(version, '-V, --version')
    .option('--json', 'print one JSON document per command, for scripts and CI')
    .showHelpAfterError('(run extctl --help for usage)')
    .addHelpText('after', exitCodeHelp())
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // With --json a usage error is one JSON document on stdout (below), not text for people.
      writeErr: (text) => (json ? undefined : io.stderr.write(text)),
    })
    .exitOverride();
  for (const register of [
    registerInit,
    registerBuild,
    registerPack,
    registerInspect,
    registerKeygen,
    registerSign,
    registerVerify,
    registerDigest,
    registerPublish,
    registerInstallCommands,
  ]) {
    register(program, output, context);
  }
  try {
    await program.parseAsync(argv);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      if (error.exitCode === 0) return ExitCode.OK;
      if (json) output.error('USAGE', error.message.replace(/^error: /, ''), { reason: error.code });
      return ExitCode.USAGE;
    }
    const failure = asCliError(error);
    if (failure) {
      // verify has already printed its verdict; the exit status is what is left to give.
      if (!failure.details?.['reported']) output.error(failure.code, describe(failure), failure.details);
      return failure.exitCode;
    }
    output.error('UNEXPECTED', error instanceof Error ? (error.stack ?? error.message) : String(error));
    return ExitCode.FAILURE;
  }
}

/** Failures users can act on, with the exit status of their kind. */
function asCliError(error: unknown): CliError | undefined {
  if (error instanceof CliError) return error;
  if (error instanceof BundleError) {
    const exitCode =
      error.code === 'INVALID_MANIFEST'
        ? ExitCode.INVALID_MANIFEST
        : error.code === 'TARGET_EXISTS'
          ? ExitCode.EXISTS
          : ExitCode.INVALID_BUNDLE;
    return new CliError(exitCode, error.message, error.code, error.details);
  }
  if (error instanceof SigningError) return new CliError(ExitCode.SIGNATURE, error.message, error.code);
  return undefined;
}

/** The message, followed by the manifest issues one per line when there are any. */
function describe(error: CliError): string {
  const issues = error.details?.['issues'];
  if (!Array.isArray(issues)) return error.message;
  const lines = (issues as { path: string; message: string }[]).map(
    (issue) => `  ${issue.path || '(document)'}: ${issue.message}`,
  );
  return [error.message, ...lines].join('\n');
}
