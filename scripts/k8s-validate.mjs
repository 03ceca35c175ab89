#!/usr/bin/env node
// Renders every overlay of deploy/kubernetes with `kubectl kustomize` and validates every object: against
// the Kubernetes API's JSON schemas (kubernetes-models, pinned) and the project's deployment rules
// (tools/k8s/manifest-rules.mjs). No cluster is needed or contacted.
//   npm run k8s:validate [-- --dir <a copy of deploy/kubernetes>]
// kubectl (with kustomize 5) comes from KUBECTL, else .tmp/kubectl/kubectl (scripts/k8s-kubectl.sh puts it
// there), else the PATH. Exit status: 0 valid, 1 problems found, 2 kubectl missing or unable to render.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { parseManifests, validateManifests, validateSecretTemplate } from '../tools/k8s/manifest-rules.mjs';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { dir: { type: 'string' } } });
const deployDir = args.dir ?? join(root, 'deploy', 'kubernetes');
const MIN_KUSTOMIZE_MAJOR = 5;

function findKubectl() {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const local = join(root, '.tmp', 'kubectl', 'kubectl');
  return existsSync(local) ? local : 'kubectl';
}

async function checkKubectl(kubectl) {
  let version;
  try {
    const { stdout } = await run(kubectl, ['version', '--client', '-o', 'json']);
    version = JSON.parse(stdout);
  } catch (error) {
    throw new Error(
      `kubectl not usable (${kubectl}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}. ` +
        'Install it with: bash scripts/k8s-kubectl.sh',
    );
  }
  const kustomize = String(version.kustomizeVersion ?? '');
  const major = Number(/^v?(\d+)/.exec(kustomize)?.[1] ?? 0);
  if (major < MIN_KUSTOMIZE_MAJOR) {
    throw new Error(
      `${kubectl} has kustomize ${kustomize || 'unknown'}; the manifests need ${MIN_KUSTOMIZE_MAJOR}.x ` +
        '(Debian’s kubernetes-client is too old). Install a current one with: bash scripts/k8s-kubectl.sh',
    );
  }
  return `kubectl ${version.clientVersion?.gitVersion ?? '?'}, kustomize ${kustomize}`;
}

async function render(kubectl, dir) {
  try {
    const { stdout } = await run(kubectl, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
    return parseManifests(stdout, relative(root, dir));
  } catch (error) {
    const detail = error?.stderr ? String(error.stderr).trim() : error instanceof Error ? error.message : String(error);
    throw new Error(`kubectl kustomize ${relative(root, dir)} failed: ${detail}`);
  }
}

async function main() {
  const kubectl = findKubectl();
  console.log(`k8s:validate: ${await checkKubectl(kubectl)}`);
  const secrets = await render(kubectl, join(deployDir, 'secrets'));
  const overlays = readdirSync(join(deployDir, 'overlays'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (overlays.length === 0) throw new Error('no overlay under deploy/kubernetes/overlays');
  let failed = 0;
  for (const [name, objects] of [
    ['secrets', secrets],
    ...(await Promise.all(
      overlays.map(async (overlay) => [
        `overlays/${overlay}`,
        await render(kubectl, join(deployDir, 'overlays', overlay)),
      ]),
    )),
  ]) {
    const problems =
      name === 'secrets' ? await validateSecretTemplate(objects) : await validateManifests(objects, { secrets });
    if (problems.length === 0) {
      console.log(`ok    ${name}: ${objects.length} objects`);
    } else {
      failed += problems.length;
      console.log(`FAIL  ${name}: ${problems.length} problem(s) in ${objects.length} objects`);
      for (const problem of problems) console.log(`      - ${problem}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    console.error(`k8s:validate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
