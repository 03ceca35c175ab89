/** Where command results go: human lines by default, one JSON document with --json (for CI). */
export interface Output {
  json: boolean;
  /** The command's result: `human` on stdout, or `data` as JSON. */
  result(data: Record<string, unknown>, human: string): void;
  error(code: string, message: string, details?: Record<string, unknown>): void;
  /** A note for people (stderr); silent with --json. */
  note(line: string): void;
  progress(label: string): Progress;
}

export interface Progress {
  update(text: string): void;
  done(text?: string): void;
}

export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** `plainIntervalMs`: how often a progress line may be printed off a terminal (default two seconds). */
export function createOutput(json: boolean, io: OutputStreams, plainIntervalMs = 2000): Output {
  return {
    json,
    result: (data, human) => {
      io.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
    },
    error: (code, message, details) => {
      if (json) io.stdout.write(`${JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } })}\n`);
      else io.stderr.write(`extctl: ${message}\n`);
    },
    note: (line) => {
      if (!json) io.stderr.write(`${line}\n`);
    },
    progress: (label) => createProgress(label, io.stderr, json, plainIntervalMs),
  };
}

/**
 * A progress line on stderr: rewritten in place on a terminal, otherwise a plain line at most every two
 * seconds (logs stay readable), and nothing at all with --json.
 */
function createProgress(
  label: string,
  stream: OutputStreams['stderr'],
  quiet: boolean,
  plainIntervalMs: number,
): Progress {
  const tty = stream.isTTY === true;
  // Off a terminal, short work prints nothing; long work a line every two seconds.
  let lastPlain = Date.now();
  let lastDrawn = 0;
  let shown = false;
  return {
    update: (text) => {
      if (quiet) return;
      if (tty) {
        // Uploads report every read buffer of several parallel parts: ten redraws a second are plenty.
        if (Date.now() - lastDrawn < 100) return;
        stream.write(`\r\x1b[2K${label}: ${text}`);
        lastDrawn = Date.now();
        shown = true;
      } else if (Date.now() - lastPlain >= plainIntervalMs) {
        stream.write(`${label}: ${text}\n`);
        lastPlain = Date.now();
      }
    },
    done: (text) => {
      if (quiet) return;
      if (tty && shown) stream.write('\r\x1b[2K');
      if (text) stream.write(`${label}: ${text}\n`);
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
