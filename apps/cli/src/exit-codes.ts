/** Exit statuses, stable so that CI scripts can branch on the kind of failure. */
export const ExitCode = {
  OK: 0,
  /** Unexpected failure (a bug, or an error with no more specific code). */
  FAILURE: 1,
  /** Wrong command line: unknown command or option, missing argument. */
  USAGE: 2,
  /** An input file is missing or unreadable. */
  INPUT: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the user can act on: printed without a stack trace, with its exit status. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}
