/** Scripts the sandbox starts in worker threads. */
export type SandboxScript = 'worker' | 'transpile-worker';

/**
 * URL of a worker script next to this module. Workers run plain Node, so they always load the build
 * output: when this module itself runs from TypeScript sources (under jest), `<app>/src/...` maps to
 * `<app>/dist/...`, which the build (`tsc -b tsconfig.build.json`) must have produced.
 */
export function sandboxScriptUrl(script: SandboxScript, moduleUrl: string = import.meta.url): URL {
  const url = new URL(`./${script}.js`, moduleUrl);
  if (!new URL(moduleUrl).pathname.endsWith('.ts')) return url;
  const at = url.pathname.lastIndexOf('/src/');
  if (at < 0) throw new Error(`cannot map ${moduleUrl} to its build output: no /src/ in the path`);
  url.pathname = `${url.pathname.slice(0, at)}/dist/${url.pathname.slice(at + '/src/'.length)}`;
  return url;
}
