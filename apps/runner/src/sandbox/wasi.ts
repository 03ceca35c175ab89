/**
 * WASI imports for sandbox workers: exactly the allowed set (see allowed-imports.ts), from
 * preview2-shim's browser build. The browser build is pure JS: no node:fs, no sockets, no io-worker
 * thread, no process environment; the Node build would reach all of those. Package exports pick the
 * Node build under Node, so the browser files are imported by URL. Clocks and random are real; stderr
 * goes to `onStderr` line by line; nothing else (filesystem, environment, stdin/stdout, sockets,
 * wasi:http) is provided, so a component asking for it cannot even be instantiated.
 */
type BrowserCli = typeof import('@bytecodealliance/preview2-shim/cli');
type BrowserIo = typeof import('@bytecodealliance/preview2-shim/io');
type BrowserClocks = typeof import('@bytecodealliance/preview2-shim/clocks');
type BrowserRandom = typeof import('@bytecodealliance/preview2-shim/random');

const browserBuild = new URL('../browser/', import.meta.resolve('@bytecodealliance/preview2-shim'));
const load = <T>(name: string): Promise<T> => import(new URL(`${name}.js`, browserBuild).href) as Promise<T>;

const [cli, io, clocks, random] = await Promise.all([
  load<BrowserCli>('cli'),
  load<BrowserIo>('io'),
  load<BrowserClocks>('clocks'),
  load<BrowserRandom>('random'),
]);

/** Splits written bytes into lines for `onLine`, holding at most `maxChars` of an unfinished line. */
function lineWriter(onLine: (line: string) => void, maxChars = 4096) {
  const decoder = new TextDecoder();
  let pending = '';
  const emitLines = () => {
    const lines = pending.split('\n');
    pending = (lines.pop() ?? '').slice(-maxChars);
    for (const line of lines) onLine(line);
  };
  return {
    write(contents: Uint8Array): void {
      pending += decoder.decode(contents, { stream: true });
      emitLines();
    },
    flush(): void {
      pending += decoder.decode();
      if (pending) onLine(pending);
      pending = '';
    },
    blockingFlush(): void {
      this.flush();
    },
  };
}

export function createWasiImports(onStderr: (line: string) => void): Record<string, unknown> {
  const isolated = cli.createCli({ environment: {}, arguments: [], stderr: lineWriter(onStderr) });
  return {
    'wasi:cli/stderr': isolated.stderr,
    'wasi:clocks/monotonic-clock': clocks.monotonicClock,
    'wasi:clocks/wall-clock': clocks.wallClock,
    'wasi:random/random': random.random,
    'wasi:io/error': io.error,
    'wasi:io/poll': io.poll,
    'wasi:io/streams': io.streams,
  };
}
