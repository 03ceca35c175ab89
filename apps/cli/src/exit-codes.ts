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
