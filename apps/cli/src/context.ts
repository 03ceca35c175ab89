import type { UploadedPart } from '@extplat/api-client';

/**
 * What a command may take from its surroundings besides argv and the output streams. main() fills it
 * from the process; tests pass their own, so that commands never read process state behind their back.
 */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** Where `secret set` reads the value from: never argv, which other users of the machine can see. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborting it stops a command as Ctrl-C does (tests use it to interrupt an upload at a known point). */
  signal?: AbortSignal;
  /** Off a terminal, a progress line is printed at most this often (default 2000 ms). */
  progressIntervalMs?: number;
  /** Observation points for tests; no effect on what a command does. */
  hooks?: { afterPart?: (part: UploadedPart) => void };
}
