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
  /** Refused to overwrite an existing file or directory. */
  EXISTS: 9,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

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
