/** Exit statuses, stable so that CI scripts can branch on the kind of failure. */
export const ExitCode = {
  OK: 0,
  /** Unexpected failure (a bug, or an error with no more specific code). */
  FAILURE: 1,
  /** Wrong command line: unknown command or option, missing argument. */
  USAGE: 2,
  /** An input file or directory is missing or unreadable. */
  INPUT: 3,
  /** The bundle breaks a rule of the format (paths, entry types, limits, compression). */
  INVALID_BUNDLE: 4,
  /** The manifest is not valid. */
  INVALID_MANIFEST: 5,
  /** The signature was rejected, or signing was impossible with the given key and certificate. */
  SIGNATURE: 6,
  /** Building the component failed. */
  BUILD: 7,
  /** Refused to overwrite an existing file or directory (also: an upload of this bundle is in progress). */
  EXISTS: 9,
  /** The API or the object store could not be reached, timed out, or kept failing (5xx) after retries. */
  NETWORK: 10,
  /** The API refused the credentials (401) or the key's role may not do this (403). */
  AUTH: 11,
  /** The change conflicts with what is registered: VERSION_EXISTS, ALREADY_INSTALLED, another publisher's name... */
  CONFLICT: 12,
  /** The extension, version, install or upload does not exist (or the upload expired). */
  NOT_FOUND: 13,
  /** The target version requests capabilities or egress beyond the current grant: rerun with --approve. */
  APPROVAL_REQUIRED: 14,
  /** The API refused the request as invalid: a config that breaks the schema, an unknown capability... */
  INVALID_REQUEST: 15,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it); an upload can be continued with --resume. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM (128 + SIGTERM), e.g. a CI job cancelled; nothing half-built is left behind. */
  TERMINATED: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per exit status for `extctl --help`, where the guide and the template send CI authors. */
const EXIT_CODE_HELP: Readonly<Record<ExitCode, string>> = {
  [ExitCode.OK]: 'ok',
  [ExitCode.FAILURE]: 'unexpected failure',
  [ExitCode.USAGE]: 'wrong command line (unknown option, missing argument, --api that is not the API)',
  [ExitCode.INPUT]: 'an input file or directory is missing or unreadable',
  [ExitCode.INVALID_BUNDLE]: 'the bundle breaks a rule of the format (not zstd, paths, limits)',
  [ExitCode.INVALID_MANIFEST]: 'the manifest is not valid',
  [ExitCode.SIGNATURE]: 'the signature was rejected (or signing was impossible)',
  [ExitCode.BUILD]: 'building the component failed',
  [ExitCode.EXISTS]: 'refused to overwrite, or an upload is in progress (--resume or --abort)',
  [ExitCode.NETWORK]: 'the API or the object store could not be reached, or kept failing',
  [ExitCode.AUTH]: 'the API key was refused (401) or its role may not do this (403)',
  [ExitCode.CONFLICT]: 'conflict: the version exists, already installed...',
  [ExitCode.NOT_FOUND]: 'the extension, version, install or upload does not exist',
  [ExitCode.APPROVAL_REQUIRED]: 'the target version needs more than is granted: rerun with --approve',
  [ExitCode.INVALID_REQUEST]: 'the API refused the request as invalid (config, grant)',
  [ExitCode.INTERRUPTED]: 'interrupted (Ctrl-C); an upload continues with --resume',
  [ExitCode.TERMINATED]: 'terminated (SIGTERM)',
};

/** The exit statuses as a help section. */
export function exitCodeHelp(): string {
  const lines = Object.entries(EXIT_CODE_HELP)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, text]) => `  ${code.padStart(3)}  ${text}`);
  return [
    '',
    'Exit statuses (stable, for scripts and CI; with --json, errors are one JSON document on stdout):',
    ...lines,
  ].join('\n');
}

/** A failure the user can act on: printed without a stack trace, with its exit status. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
