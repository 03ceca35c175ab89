// The whole pipeline of `npm run k8s:validate`: kubectl renders a copy of deploy/kubernetes, the validator
// checks every object, and the exit status says whether it passed. Uses the kubectl that the script finds
// (KUBECTL, .tmp/kubectl/kubectl, the PATH) and installs the pinned one when there is none.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const script = join(root, 'scripts', 'k8s-validate.mjs');

function validate(dir) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, '--dir', dir], { cwd: root }, (error, stdout, stderr) => {
      resolve({ status: error ? (error.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

function hasKubectl() {
  if (process.env.KUBECTL || existsSync(join(root, '.tmp', 'kubectl', 'kubectl'))) return true;
  try {
    execFileSync('kubectl', ['version', '--client', '-o', 'json'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('npm run k8s:validate', () => {
  let work;
  beforeAll(() => {
    if (!hasKubectl()) execFileSync('bash', [join(root, 'scripts', 'k8s-kubectl.sh')], { stdio: 'pipe' });
    work = mkdtempSync(join(tmpdir(), 'extplat-k8s-'));
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function copy(name, edit) {
    const dir = join(work, name);
    cpSync(join(root, 'deploy', 'kubernetes'), dir, { recursive: true });
    if (edit) {
      const [file, from, to] = edit;
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).toContain(from);
      writeFileSync(join(dir, file), text.replace(from, to));
    }
    return dir;
  }

  it('passes the committed manifests', async () => {
    const { status, output } = await validate(copy('as-committed'));
    expect(output).toMatch(/ok +overlays\/dev: \d+ objects/);
    expect(output).toMatch(/ok +overlays\/production: \d+ objects/);
    expect(status).toBe(0);
  }, 60_000);

  it('fails an overlay whose API would get the Runner’s artifact key', async () => {
    const dir = copy('api-with-artifact-key', [
      'base/api.yaml',
      'key: BOOTSTRAP_ADMIN_PASSWORD } }',
      'key: BOOTSTRAP_ADMIN_PASSWORD } }\n            - name: RUNNER_ARTIFACT_KEY\n              valueFrom: { secretKeyRef: { name: extplat-runner-secrets, key: RUNNER_ARTIFACT_KEY } }',
    ]);
    const { status, output } = await validate(dir);
    expect(output).toContain('FAIL  overlays/dev');
    expect(output).toContain('Deployment extplat/extplat-api: the API must never get RUNNER_ARTIFACT_KEY');
    expect(status).toBe(1);
  }, 60_000);

  it('fails an API whose upload spool is not on its own size-limited volume, or outgrows it', async () => {
    const unset = await validate(
      copy('spool-unset', ['base/kustomization.yaml', '      - UPLOAD_SPOOL_DIR=/var/spool/extplat\n', '']),
    );
    expect(unset.output).toContain(
      'Deployment extplat/extplat-api: UPLOAD_SPOOL_DIR must name a size-limited volume (or UPLOAD_SPOOL_MAX_BYTES=0)',
    );
    expect(unset.status).toBe(1);
    const tooBig = await validate(
      copy('spool-too-big', [
        'base/kustomization.yaml',
        'UPLOAD_SPOOL_MAX_BYTES=1610612736',
        'UPLOAD_SPOOL_MAX_BYTES=4294967296',
      ]),
    );
    expect(tooBig.output).toContain(
      "Deployment extplat/extplat-api: UPLOAD_SPOOL_MAX_BYTES (4294967296) must be set below the upload spool volume's size (2147483648 bytes)",
    );
    expect(tooBig.status).toBe(1);
  }, 120_000);

  it('fails an object that breaks the Kubernetes schema', async () => {
    const dir = copy('bad-port', ['base/runner.yaml', 'containerPort: 8081', "containerPort: 'eighty-eighty-one'"]);
    const { status, output } = await validate(dir);
    expect(output).toContain('schema: /spec/template/spec/containers/0/ports/0/containerPort must be integer');
    expect(status).toBe(1);
  }, 60_000);

  it('fails a real value committed in the Secrets template', async () => {
    const dir = copy('leaked-secret', [
      'secrets/secrets.yaml',
      'AUTH_JWT_SECRET: REPLACE_ME',
      'AUTH_JWT_SECRET: hunter2',
    ]);
    const { status, output } = await validate(dir);
    expect(output).toContain('AUTH_JWT_SECRET must be the placeholder REPLACE_ME');
    expect(status).toBe(1);
  }, 60_000);

  it('stops with status 2 when kustomize cannot render an overlay', async () => {
    const dir = copy('broken-kustomization', ['overlays/dev/kustomization.yaml', '../../base', '../../nowhere']);
    const { status, output } = await validate(dir);
    expect(output).toContain('kubectl kustomize');
    expect(status).toBe(2);
  }, 60_000);
});
