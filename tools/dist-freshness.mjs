// Integration tests import the servers' build output (dist/), not their sources: a run after an edit
// without a build would test yesterday's code and pass. The integration project's global setup asks the
// TypeScript compiler itself (`tsc -b --dry`, its own up-to-date check, ≈ 1 s of CPU) and stops the run
// with a clear message when a project would be rebuilt.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The projects of a `tsc -b` solution whose build output is older than their sources.
 * @param {string} cwd directory of the solution file
 * @param {string} solution the tsconfig listing the projects (its references)
 * @returns {string[]} tsconfig paths that a build would compile again
 */
export function staleProjects(cwd, solution) {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-b', solution, '--dry'], { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`tsc -b ${solution} --dry failed (${result.status}):\n${result.stdout}${result.stderr}`);
  }
  // "would build project" means changed inputs; "would update timestamps" means touched but identical.
  return [...result.stdout.matchAll(/A non-dry build would build project '([^']+)'/g)].map((match) => match[1]);
}

/** Throws, naming the stale projects and the command to run, when dist/ does not match the sources. */
export function assertBuildIsFresh(cwd, solution = 'tsconfig.build.json') {
  const stale = staleProjects(cwd, solution);
  if (stale.length > 0) {
    throw new Error(
      `The build output is older than the sources of:\n  ${stale.join('\n  ')}\n` +
        'Integration tests import dist/, so they would test stale code. Run `npm run build:server` first ' +
        '(or `bash scripts/test.sh <pattern>`, which builds and then runs jest).',
    );
  }
}
