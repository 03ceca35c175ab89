import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { UploadedPart, UploadStrategy } from '@extplat/api-client';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * What `extctl publish --resume` needs to continue an upload after a lost connection or Ctrl-C: kept
 * next to the bundle while the upload is open. It holds no secret: the API key stays in the environment.
 */
export interface UploadState {
  format: 1;
  uploadId: string;
  /** The API the upload belongs to (an upload id means nothing to another one). */
  api: string;
  bundle: string;
  contentHash: string;
  size: number;
  partSize: number;
  partCount: number;
  strategy: UploadStrategy;
  startedAt: string;
  /** Parts the store acknowledged, with the ETags finalize checks them by. */
  parts: UploadedPart[];
}

export function statePathFor(bundle: string): string {
  return `${bundle}.upload.json`;
}

/** The state at `path`, undefined when there is none; a file that is not a state is an input error. */
export async function readUploadState(path: string): Promise<UploadState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(ExitCode.INPUT, `${path}: not readable`, 'STATE_UNREADABLE');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isUploadState(value)) {
    throw new CliError(
      ExitCode.INPUT,
      `${path} is not an extctl upload state; delete it to start the upload again`,
      'STATE_INVALID',
    );
  }
  return value;
}

function isUploadState(value: unknown): value is UploadState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  const isInt = (field: string): boolean => Number.isInteger(state[field]) && (state[field] as number) >= 0;
  const isText = (field: string): boolean => typeof state[field] === 'string' && state[field] !== '';
  return (
    state['format'] === 1 &&
    ['uploadId', 'api', 'bundle', 'contentHash', 'startedAt'].every(isText) &&
    isHttpUrl(state['api'] as string) &&
    ['size', 'partSize', 'partCount'].every(isInt) &&
    (state['strategy'] === 'presigned-multipart' || state['strategy'] === 'proxy') &&
    Array.isArray(state['parts']) &&
    (state['parts'] as unknown[]).every(
      (part) =>
        typeof part === 'object' &&
        part !== null &&
        Number.isInteger((part as UploadedPart).partNumber) &&
        Number.isInteger((part as UploadedPart).size) &&
        typeof (part as UploadedPart).etag === 'string',
    )
  );
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && ['http:', 'https:'].includes(new URL(text).protocol);
}

/**
 * Writes a file so that a reader (or a crash) sees the old content or the new, never half of it: the
 * text goes to a temporary file in the same directory, which then replaces the target in one rename.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The state file of one upload. Parts finish concurrently, so saves are queued: each writes the whole
 * state as it is then, and the last one to finish holds every part recorded before it.
 */
export class UploadStateFile {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly state: UploadState,
  ) {}

  /** Records an acknowledged part and saves (replacing an earlier record of the same part number). */
  recordPart(part: UploadedPart): Promise<void> {
    const parts = this.state.parts.filter((existing) => existing.partNumber !== part.partNumber);
    parts.push(part);
    parts.sort((a, b) => a.partNumber - b.partNumber);
    this.state.parts = parts;
    return this.save();
  }

  /** Replaces the recorded parts with what the store reports (on resume). */
  replaceParts(parts: UploadedPart[]): Promise<void> {
    this.state.parts = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    return this.save();
  }

  save(): Promise<void> {
    const text = `${JSON.stringify(this.state, null, 2)}\n`;
    const write = this.queue.then(() => writeFileAtomic(this.path, text));
    // A failed write must not block the ones after it; the caller of this save still sees its error.
    this.queue = write.catch(() => undefined);
    return write;
  }

  /** Deletes the file once the upload is finalized or aborted (after any save still in flight). */
  async remove(): Promise<void> {
    await this.queue;
    await rm(this.path, { force: true });
  }
}
