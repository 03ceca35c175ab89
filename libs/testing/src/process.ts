import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface RunningService {
  url: string;
  /** Every JSON log line printed so far, parsed. */
  logs: Record<string, unknown>[];
  /** The process itself, for tests that signal it or watch it exit. */
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (a crash's stack trace lands here). */
  stderr(): string;
  /** The exit status or signal once the process has ended; undefined while it runs. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts a built entry point (`apps/<app>/dist/main.js`) as its own process, as production runs it, and
 * resolves once it logs the URL it listens on.
 */
export async function startService(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<RunningService> {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no "listening" log line within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\nstderr:\n${stderr}`));
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = parseJson(line);
      if (!entry) return;
      logs.push(entry);
      if (typeof entry['url'] === 'string' && /listening/i.test(String(entry['msg']))) {
        clearTimeout(timer);
        resolve(entry['url']);
      }
    });
    child.once('exit', (code) => fail(new Error(`exited with status ${code} before listening`)));
  });
  return {
    url,
    logs,
    child,
    stderr: () => stderr,
    exited: () =>
      child.exitCode !== null ? `status ${child.exitCode}` : child.signalCode !== null ? child.signalCode : undefined,
    stop: () => stopChild(child),
  };
}

/** Runs a built entry point to completion and returns its exit status and output. */
export async function runToExit(
  entry: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
