import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  ApiClient,
  normaliseBaseUrl,
  resolveConnection,
  sameApi,
  withApiOptions,
  type ApiOptions,
} from '../api/api-client.js';
import type {
  FinalizeRequest,
  FinalizeResponse,
  UploadStatus,
  UploadStrategy,
  VersionDetail,
} from '@extplat/api-client';
import { abortReason, DEFAULT_RETRY, isAbortError, sleep, type RetryPolicy } from '../api/retry.js';
import type { CliContext } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatBytes, type Output } from '../output.js';
import {
  bundleHeadProblem,
  bytesOfParts,
  missingParts,
  partRange,
  signatureDigestProblem,
  ZSTD_MAGIC_BYTES,
} from '@extplat/contracts';
import { uploadParts } from '../publish/part-uploader.js';
import { formatDuration, formatSpeed, TransferMeter } from '../publish/transfer-meter.js';
import { readUploadState, statePathFor, UploadStateFile, type UploadState } from '../publish/upload-state.js';
import { digestFile } from './digest.js';
import { readInput } from './keygen.js';

interface PublishOptions extends ApiOptions {
  sig?: string;
  strategy?: string;
  parallel: string;
  retries: string;
  resume?: boolean;
  abort?: boolean;
}

const STRATEGIES: readonly UploadStrategy[] = ['presigned-multipart', 'proxy'];
const MAX_PARALLEL = 16;

export function registerPublish(program: Command, output: Output, context: CliContext): void {
  withApiOptions(
    program
      .command('publish')
      .description('upload a signed bundle to the platform and register its version (platform-admin API key)')
      .argument('<bundle>', 'bundle file (.tar.zst)')
      .option('--sig <file>', 'signature envelope (default: <bundle>.sig when it exists)'),
  )
    .option('--strategy <strategy>', `ask for an upload strategy: ${STRATEGIES.join(' or ')} (the server decides)`)
    .option('--parallel <n>', `parts in flight at once (1-${MAX_PARALLEL})`, '4')
    .option('--retries <n>', 'tries after the first for a part or call that failed on the network or with a 5xx', '5')
    .option('--resume', 'continue the interrupted upload recorded in <bundle>.upload.json')
    .option('--abort', 'abort the upload recorded in <bundle>.upload.json on the server and forget it')
    .action(async (bundle: string, options: PublishOptions) => {
      const publish = new Publish(bundle, options, output, context);
      await publish.run();
    });
}

/** One run of `extctl publish`: a fresh upload, a resumed one, or an abort. */
class Publish {
  private readonly statePath: string;
  private readonly retry: RetryPolicy;
  private readonly parallel: number;

  constructor(
    private readonly bundle: string,
    private readonly options: PublishOptions,
    private readonly output: Output,
    private readonly context: CliContext,
  ) {
    this.statePath = statePathFor(bundle);
    this.parallel = wholeNumber(options.parallel, '--parallel', 1, MAX_PARALLEL);
    this.retry = { ...DEFAULT_RETRY, retries: wholeNumber(options.retries, '--retries', 0, 20) };
    if (options.resume && options.abort) {
      throw new CliError(ExitCode.USAGE, '--resume and --abort exclude each other', 'INVALID_OPTION');
    }
    if (options.strategy !== undefined && !(STRATEGIES as readonly string[]).includes(options.strategy)) {
      throw new CliError(ExitCode.USAGE, `--strategy must be ${STRATEGIES.join(' or ')}`, 'INVALID_OPTION');
    }
  }

  async run(): Promise<void> {
    // Ctrl-C stops the transfer cleanly (the state file stays for --resume); a second one kills at once.
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort();
    process.once('SIGINT', onSigint);
    const signal = this.context.signal ? AbortSignal.any([this.context.signal, interrupt.signal]) : interrupt.signal;
    try {
      if (this.options.abort) await this.abort(signal);
      else if (this.options.resume) await this.resume(signal);
      else await this.start(signal);
    } catch (error) {
      if (isAbortError(error) || signal.aborted) throw await this.interrupted();
      throw error;
    } finally {
      process.off('SIGINT', onSigint);
    }
  }

  private async start(signal: AbortSignal): Promise<void> {
    if (await readUploadState(this.statePath)) {
      throw new CliError(
        ExitCode.EXISTS,
        `an upload of ${this.bundle} is in progress (${this.statePath}): continue it with --resume or discard it with --abort`,
        'UPLOAD_IN_PROGRESS',
        { stateFile: this.statePath },
      );
    }
    await checkZstdMagic(this.bundle);
    const signature = await this.signature();
    const client = new ApiClient(resolveConnection(this.options, this.context.env), signal, this.retry);
    const { contentHash, size } = await this.digest();
    if (signature !== undefined) this.checkSignatureDigest(signature, contentHash);
    const initiated = await client.call(
      'starting the upload',
      (api, init) =>
        api.POST('/api/ext-bundles/initiate-upload', {
          ...init,
          body: {
            filename: uploadFilename(this.bundle),
            size,
            sha256: contentHash,
            ...(this.options.strategy ? { preferredStrategy: this.options.strategy as UploadStrategy } : {}),
          },
        }),
      { retry: false },
    );
    if (initiated.strategy === 'exists' || !initiated.uploadId) {
      this.printExists(initiated.version, contentHash, size);
      return;
    }
    const state = new UploadStateFile(this.statePath, {
      format: 1,
      uploadId: initiated.uploadId,
      api: client.connection.baseUrl,
      bundle: resolve(this.bundle),
      contentHash,
      size,
      partSize: initiated.partSize,
      partCount: initiated.partCount,
      strategy: initiated.strategy,
      startedAt: new Date().toISOString(),
      parts: [],
    });
    await state.save();
    const all = missingParts(initiated.partCount, []);
    await this.transferAndFinalize(client, state, all, signature, false, signal);
  }

  private async resume(signal: AbortSignal): Promise<void> {
    const recorded = await this.recordedState('resume');
    const signature = await this.signature();
    const client = new ApiClient(this.connectionFor(recorded), signal, this.retry);
    const { contentHash, size } = await this.digest();
    if (contentHash !== recorded.contentHash || size !== recorded.size) {
      throw new CliError(
        ExitCode.INPUT,
        `${this.bundle} changed since the upload started (it was ${recorded.contentHash}, ${recorded.size} bytes; ` +
          `it is ${contentHash}, ${size} bytes): discard the upload with --abort, then publish again`,
        'BUNDLE_CHANGED',
        { recorded: recorded.contentHash, actual: contentHash },
      );
    }
    const state = new UploadStateFile(this.statePath, recorded);
    let status: UploadStatus;
    try {
      status = await client.call('reading the upload', (api, init) =>
        api.GET('/api/ext-bundles/uploads/{uploadId}', { ...init, params: { path: { uploadId: recorded.uploadId } } }),
      );
    } catch (error) {
      if (error instanceof CliError && error.exitCode === ExitCode.NOT_FOUND) await state.remove();
      throw error;
    }
    if (status.state === 'expired' || status.state === 'aborted') {
      await state.remove();
      throw new CliError(
        ExitCode.NOT_FOUND,
        `upload ${recorded.uploadId} is ${status.state} on the server: publish again without --resume`,
        'UPLOAD_EXPIRED',
        { uploadId: recorded.uploadId },
      );
    }
    // The store is the truth: a part the state missed (Ctrl-C right after S3 answered) is not sent again,
    // and a part of the wrong size is sent again.
    const stored = status.parts.filter(
      (part) =>
        part.partNumber <= recorded.partCount &&
        part.size === partRange(part.partNumber, recorded.partSize, recorded.size).length,
    );
    await state.replaceParts(stored);
    const missing =
      status.state === 'initiated'
        ? missingParts(
            recorded.partCount,
            stored.map((part) => part.partNumber),
          )
        : [];
    this.output.note(
      `resuming upload ${recorded.uploadId}: ${stored.length} of ${recorded.partCount} parts stored, ${missing.length} to send`,
    );
    await this.transferAndFinalize(client, state, missing, signature, true, signal);
  }

  private async abort(signal: AbortSignal): Promise<void> {
    const recorded = await this.recordedState('abort');
    const client = new ApiClient(this.connectionFor(recorded), signal, this.retry);
    let serverState = 'aborted';
    try {
      const answer = await client.call(
        'aborting the upload',
        (api, init) => api.POST('/api/ext-bundles/abort', { ...init, body: { uploadId: recorded.uploadId } }),
        { retry: true },
      );
      serverState = answer.state;
    } catch (error) {
      // Gone already (swept, or aborted by someone else): forgetting it is all that is left to do.
      if (!(error instanceof CliError && error.exitCode === ExitCode.NOT_FOUND)) throw error;
      serverState = 'not found';
    }
    await new UploadStateFile(this.statePath, recorded).remove();
    this.output.result(
      { uploadId: recorded.uploadId, state: serverState, stateFile: this.statePath, removed: true },
      `upload ${recorded.uploadId} ${serverState === 'aborted' ? 'aborted' : `was already ${serverState}`}; removed ${this.statePath}`,
    );
  }

  private async transferAndFinalize(
    client: ApiClient,
    state: UploadStateFile,
    partNumbers: number[],
    signature: string | undefined,
    resumed: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const { uploadId, size, partSize, partCount, strategy } = state.state;
    const alreadyStored = bytesOfParts(
      state.state.parts.map((part) => part.partNumber),
      partSize,
      size,
    );
    const meter = new TransferMeter(size, alreadyStored);
    const progress = this.output.progress('upload');
    if (partNumbers.length > 0) {
      this.output.note(
        `uploading ${this.bundle} (${formatBytes(size)}, ${partCount} part${partCount === 1 ? '' : 's'} of ${formatBytes(partSize)}, ${strategy})`,
      );
      try {
        await uploadParts(partNumbers, {
          client,
          file: this.bundle,
          uploadId,
          strategy,
          size,
          partSize,
          parallel: this.parallel,
          retry: this.retry,
          meter,
          signal,
          onPart: async (part) => {
            await state.recordPart(part);
            this.context.hooks?.afterPart?.(part);
          },
          onProgress: () => progress.update(meter.line()),
        });
      } catch (error) {
        progress.done();
        if (isAbortError(error)) throw error;
        throw withResumeHint(error, this.bundle);
      }
      const seconds = meter.elapsedSeconds();
      progress.done(
        `${formatBytes(meter.sentThisRun)} sent in ${formatDuration(seconds)} (${formatSpeed(meter.sentThisRun / Math.max(seconds, 0.001))})`,
      );
    }
    if (signal.aborted) throw abortReason(signal);
    this.output.note('verifying and registering the bundle on the server...');
    let finalized: FinalizeResponse;
    try {
      finalized = await finalizeUpload(
        client,
        {
          uploadId,
          parts: state.state.parts.map((part) => ({ partNumber: part.partNumber, etag: part.etag })),
          sha256: state.state.contentHash,
          ...(signature !== undefined ? { signature } : {}),
        },
        signal,
      );
    } catch (error) {
      if (isAbortError(error)) throw error;
      if (!endsUpload(error)) throw withResumeHint(error, this.bundle);
      await state.remove();
      throw error;
    }
    await state.remove();
    this.printPublished(finalized, {
      uploadId,
      strategy,
      partCount,
      partsSent: partNumbers.length,
      resumed,
      seconds: Math.round(meter.elapsedSeconds() * 10) / 10,
    });
  }

  private printPublished(finalized: FinalizeResponse, upload: Record<string, unknown>): void {
    const { version } = finalized;
    const lines = [
      `${finalized.created ? 'published' : 'already registered (identical content)'}: ${version.extension} ${version.version}`,
      ...versionLines(version),
      `  upload        ${String(upload['strategy'])}, ${String(upload['partsSent'])} of ${String(upload['partCount'])} parts sent${upload['resumed'] ? ' (resumed)' : ''}`,
    ];
    this.output.result(
      {
        status: finalized.created ? 'published' : 'exists',
        created: finalized.created,
        ...versionResult(version),
        upload,
      },
      lines.join('\n'),
    );
  }

  private printExists(version: VersionDetail | undefined, contentHash: string, size: number): void {
    const name = version ? `${version.extension} ${version.version}` : contentHash;
    this.output.result(
      {
        status: 'exists',
        created: false,
        ...(version ? versionResult(version) : { contentHash, size }),
      },
      [
        `already registered: ${name} has exactly this content; nothing to upload`,
        ...(version ? versionLines(version) : []),
      ].join('\n'),
    );
  }

  /** The failure for Ctrl-C: the state file stays, and the message says how to go on. */
  private async interrupted(): Promise<CliError> {
    const state = await readUploadState(this.statePath).catch(() => undefined);
    const hint = state
      ? `; ${state.parts.length} of ${state.partCount} parts are stored: continue with extctl publish ${this.bundle} --resume (or discard with --abort)`
      : '';
    return new CliError(ExitCode.INTERRUPTED, `interrupted${hint}`, 'INTERRUPTED', {
      ...(state ? { uploadId: state.uploadId, stateFile: this.statePath, partsStored: state.parts.length } : {}),
    });
  }

  private async recordedState(action: 'resume' | 'abort'): Promise<UploadState> {
    const state = await readUploadState(this.statePath);
    if (!state) {
      throw new CliError(
        ExitCode.INPUT,
        `nothing to ${action}: no upload of ${this.bundle} is in progress (${this.statePath} does not exist)`,
        'NO_UPLOAD_STATE',
      );
    }
    return state;
  }

  /** The API of the recorded upload; --api or EXTCTL_API_URL may repeat it but not name another one. */
  private connectionFor(state: UploadState): ReturnType<typeof resolveConnection> {
    const connection = resolveConnection(
      { api: this.options.api ?? this.context.env['EXTCTL_API_URL'] ?? state.api, apiKey: this.options.apiKey },
      this.context.env,
    );
    // Compared normalised: `--api http://h:3000/api` and `http://h:3000` name one API, and a state file
    // written by an extctl that did not normalise /api away holds the URL as it was given.
    if (!sameApi(connection.baseUrl, state.api)) {
      throw new CliError(
        ExitCode.USAGE,
        `the upload in ${this.statePath} belongs to ${normaliseBaseUrl(state.api)}, not ${connection.baseUrl}`,
        'API_MISMATCH',
      );
    }
    return connection;
  }

  /** The envelope to send: --sig (which must exist), else <bundle>.sig if there is one. */
  private async signature(): Promise<string | undefined> {
    if (this.options.sig !== undefined) return readInput(this.options.sig);
    const beside = `${this.bundle}.sig`;
    return existsSync(beside) ? readInput(beside) : undefined;
  }

  /**
   * A .sig for other content would be refused after the whole upload, and ignored when the content is
   * registered already: say so before anything is sent.
   */
  private checkSignatureDigest(signature: string, contentHash: string): void {
    const problem = signatureDigestProblem(this.options.sig ?? `${this.bundle}.sig`, signature, contentHash);
    if (problem) {
      throw new CliError(ExitCode.SIGNATURE, `${problem.message} Sign this bundle again (extctl sign).`, problem.code, {
        ...problem.details,
      });
    }
  }

  private async digest(): Promise<{ contentHash: string; size: number }> {
    const progress = this.output.progress('hash');
    progress.update(this.bundle);
    const result = await digestFile(this.bundle);
    progress.done();
    return result;
  }
}

function versionLines(version: VersionDetail): string[] {
  const signer = version.signature.signer ?? version.signer;
  return [
    `  content hash  ${version.contentHash}`,
    `  size          ${formatBytes(version.size)} (${version.size} bytes)`,
    `  signature     ${version.signature.status}${signer ? `, signer ${signer}` : ''} (policy ${version.signature.policy})`,
    `  status        ${version.status}, published ${version.publishedAt}`,
  ];
}

function versionResult(version: VersionDetail): Record<string, unknown> {
  return {
    extension: version.extension,
    version: version.version,
    contentHash: version.contentHash,
    size: version.size,
    versionStatus: version.status,
    signature: {
      status: version.signature.status,
      policy: version.signature.policy,
      signer: version.signature.signer ?? version.signer,
    },
    publishedAt: version.publishedAt,
  };
}

/** How long to wait for a finalize that another request (an earlier, timed-out try) is running. */
const FINALIZE_WAIT_MS = 30 * 60_000;

/**
 * Finalize, idempotent on the server. A large bundle can take longer to verify than the HTTP client
 * waits for an answer; the retry of that call then finds the first one still running (UPLOAD_IN_PROGRESS)
 * and waits for it, since the outcome will be the same.
 */
async function finalizeUpload(
  client: ApiClient,
  request: FinalizeRequest,
  signal: AbortSignal,
): Promise<FinalizeResponse> {
  const deadline = Date.now() + FINALIZE_WAIT_MS;
  for (;;) {
    try {
      return await client.call(
        'finalize',
        (api, init) => api.POST('/api/ext-bundles/finalize', { ...init, body: request }),
        { retry: true },
      );
    } catch (error) {
      if (!(error instanceof CliError && error.code === 'UPLOAD_IN_PROGRESS') || Date.now() > deadline) throw error;
      const seconds = error.details?.['retryAfterSeconds'];
      await sleep((typeof seconds === 'number' && seconds > 0 ? Math.min(seconds, 30) : 2) * 1000, signal);
    }
  }
}

/**
 * Whether a finalize failure ended the upload on the server. The API discards the upload when the
 * bundle itself is refused (invalid, badly signed, a version that exists): the state file goes too. A
 * lost connection, a 5xx or a refused key leave the upload open, and --resume can finalize it again.
 */
export function endsUpload(error: unknown): boolean {
  if (!(error instanceof CliError)) return false;
  const status = error.details?.['status'];
  if (typeof status !== 'number') return false;
  if (status === 404 || status === 410) return true;
  if (error.code === 'UPLOAD_IN_PROGRESS' || error.details?.['retryable'] === true) return false;
  return status === 400 || status === 409 || status === 413 || status === 415 || status === 422;
}

function withResumeHint(error: unknown, bundle: string): unknown {
  if (!(error instanceof CliError)) return error;
  return new CliError(
    error.exitCode,
    `${error.message}\n  the upload stays open: continue it with extctl publish ${bundle} --resume`,
    error.code,
    error.details,
  );
}

/** The API wants a .tar.zst name; a bundle saved under another name is still one. */
function uploadFilename(bundle: string): string {
  const name = basename(bundle);
  return /\.(tar\.zst|tzst)$/.test(name) && name.length <= 255 ? name : 'bundle.tar.zst';
}

function wholeNumber(value: string, option: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
    throw new CliError(ExitCode.USAGE, `${option} must be a whole number from ${min} to ${max}`, 'INVALID_OPTION');
  }
  return parsed;
}

/** A file that is not zstd is no bundle: refused before the API is asked anything. */
async function checkZstdMagic(path: string): Promise<void> {
  const file = await open(path, 'r').catch(() => {
    throw new CliError(ExitCode.INPUT, `${path}: no such file or not readable`, 'FILE_NOT_FOUND');
  });
  try {
    const head = new Uint8Array(ZSTD_MAGIC_BYTES.length);
    const { bytesRead } = await file.read(head, 0, head.length, 0).catch(() => {
      throw new CliError(ExitCode.INPUT, `${path}: not a readable file`, 'FILE_NOT_FOUND');
    });
    const problem = bundleHeadProblem(path, head.subarray(0, bytesRead));
    if (problem) {
      throw new CliError(
        ExitCode.INVALID_BUNDLE,
        `${problem.message} Publish the .tar.zst that extctl pack wrote.`,
        problem.code,
      );
    }
  } finally {
    await file.close();
  }
}
