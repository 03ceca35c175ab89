// Validation of rendered Kubernetes manifests (deploy/kubernetes): each object against the Kubernetes API's
// JSON schemas (kubernetes-models, pinned in package.json), then the project's own deployment rules. Pure:
// it takes parsed objects and returns problems, so a test can feed it broken manifests without kubectl.
// scripts/k8s-validate.mjs renders the overlays and calls it.
import { parseAllDocuments } from 'yaml';

/**
 * Settings that hold credentials or keys: they must reach a container from a Secret, key by key, never
 * from a ConfigMap or a literal value. Any other setting whose name looks like a credential is refused too
 * (SECRET_LIKE), so a new secret setting cannot slip into a ConfigMap unnoticed.
 */
export const SECRET_SETTINGS = new Set([
  'DATABASE_URL',
  'STORAGE_S3_ACCESS_KEY',
  'STORAGE_S3_SECRET_KEY',
  'REDIS_URL',
  'RUNNER_SHARED_SECRET',
  'RUNNER_ARTIFACT_KEY',
  'EXT_SECRETS_KEY',
  'AUTH_JWT_SECRET',
  'BOOTSTRAP_ADMIN_PASSWORD',
]);
const SECRET_LIKE = /(SECRET|PASSWORD|TOKEN|_KEY$)/;

/** Only Runners hold it: the API must never be able to forge a precompiled artifact. */
export const RUNNER_ONLY_SETTING = 'RUNNER_ARTIFACT_KEY';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
const LONG_RUNNING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const CLUSTER_DNS = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local(?::(\d+))?$/;

/** Parses a multi-document YAML stream (kubectl kustomize output) into plain objects. */
export function parseManifests(text, source = 'manifests') {
  const objects = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      throw new Error(`${source}: invalid YAML: ${document.errors.map((error) => error.message).join('; ')}`);
    }
    const value = document.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

function describe(object) {
  const namespace = object?.metadata?.namespace;
  return `${object?.kind ?? '?'} ${namespace ? `${namespace}/` : ''}${object?.metadata?.name ?? '?'}`;
}

/** The kubernetes-models module of an apiVersion and kind: "apps/v1" → apps/v1/Deployment, "v1" → v1/Service. */
function modelPath(apiVersion, kind) {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Checks each object against the Kubernetes JSON schema of its apiVersion and kind. */
export async function validateSchemas(objects) {
  const problems = [];
  for (const object of objects) {
    const { apiVersion, kind } = object ?? {};
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9./-]+$/.test(apiVersion + kind)) {
      problems.push(`${describe(object)}: apiVersion and kind are required`);
      continue;
    }
    let Model;
    try {
      Model = (await import(modelPath(apiVersion, kind)))[kind];
    } catch {
      Model = undefined;
    }
    if (typeof Model !== 'function') {
      problems.push(`${describe(object)}: no schema for ${apiVersion} ${kind} in the pinned Kubernetes API`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      const details = Array.isArray(error?.errors)
        ? error.errors.map((item) => `${item.instancePath || '/'} ${item.message}`)
        : [error instanceof Error ? error.message : String(error)];
      for (const detail of details) problems.push(`${describe(object)}: schema: ${detail}`);
    }
  }
  return problems;
}

/** The pod spec of a workload, and its pod template's labels. */
function podTemplate(object) {
  if (object.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template;
  return object.spec?.template;
}

/** The API's workloads: their pods carry app.kubernetes.io/component=api. */
function isApi(workload) {
  return podTemplate(workload)?.metadata?.labels?.['app.kubernetes.io/component'] === 'api';
}

function matches(selector, labels) {
  if (!selector || typeof selector !== 'object') return false;
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels?.[key] === value);
}

/** Kubernetes quantities as bytes (binary and decimal suffixes), for size comparisons. */
export function quantityBytes(quantity) {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(String(quantity ?? ''));
  if (!match) return undefined;
  const factors = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
  };
  return Number(match[1]) * (match[2] ? factors[match[2]] : 1);
}

function origin(value) {
  return typeof value === 'string' && URL.canParse(value) ? new URL(value).origin : undefined;
}

/**
 * The project's deployment rules over one rendered overlay. `secrets` are the Secret objects that the
 * workloads may reference (deploy/kubernetes/secrets, created outside the overlays).
 */
export function checkProjectRules(objects, { secrets = [] } = {}) {
  const problems = [];
  const byKind = (kind) => objects.filter((object) => object?.kind === kind);
  const configMaps = new Map(byKind('ConfigMap').map((object) => [object.metadata?.name, object]));
  const secretKeys = new Map(
    secrets
      .filter((object) => object?.kind === 'Secret')
      .map((object) => [
        object.metadata?.name,
        new Set([...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})]),
      ]),
  );
  const services = byKind('Service');
  const workloads = objects.filter((object) => WORKLOAD_KINDS.has(object?.kind));

  for (const [name, configMap] of configMaps) {
    for (const key of Object.keys(configMap.data ?? {})) {
      if (SECRET_SETTINGS.has(key) || SECRET_LIKE.test(key)) {
        problems.push(`ConfigMap ${name}: ${key} is a secret setting; it belongs in a Secret`);
      }
    }
  }

  /** Every setting a container gets, by name, with where it comes from. */
  function containerSettings(container) {
    const settings = new Map();
    for (const source of container.envFrom ?? []) {
      const data = source.configMapRef ? configMaps.get(source.configMapRef.name)?.data : undefined;
      for (const key of Object.keys(data ?? {})) settings.set(key, { value: data[key], from: 'configMap' });
    }
    for (const entry of container.env ?? []) {
      settings.set(entry.name, {
        value: entry.value,
        from: entry.valueFrom?.secretKeyRef ? 'secret' : entry.valueFrom ? 'other' : 'value',
      });
    }
    return settings;
  }

  for (const workload of workloads) {
    const where = describe(workload);
    const template = podTemplate(workload);
    const pod = template?.spec;
    if (!pod) {
      problems.push(`${where}: no pod template`);
      continue;
    }
    if (pod.automountServiceAccountToken !== false) {
      problems.push(`${where}: automountServiceAccountToken must be false (no pod talks to the Kubernetes API)`);
    }
    const podSecurity = pod.securityContext ?? {};
    const volumes = new Map((pod.volumes ?? []).map((volume) => [volume.name, volume]));
    for (const volume of volumes.values()) {
      if (volume.configMap && !configMaps.has(volume.configMap.name)) {
        problems.push(
          `${where}: volume ${volume.name} names ConfigMap ${volume.configMap.name}, which is not rendered`,
        );
      }
      if (volume.emptyDir && !volume.emptyDir.sizeLimit) {
        problems.push(`${where}: emptyDir volume ${volume.name} needs a sizeLimit`);
      }
    }
    const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
    for (const container of containers) {
      const at = `${where} container ${container.name}`;
      const security = container.securityContext ?? {};
      if (
        !/[:@]/.test(
          String(container.image ?? '')
            .split('/')
            .pop() ?? '',
        )
      ) {
        problems.push(`${at}: image ${container.image} needs a tag or digest`);
      }
      for (const kind of ['cpu', 'memory']) {
        if (!container.resources?.requests?.[kind]) problems.push(`${at}: no ${kind} request`);
        if (!container.resources?.limits?.[kind]) problems.push(`${at}: no ${kind} limit`);
      }
      if (security.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation must be false`);
      if (security.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem must be true`);
      if (security.privileged === true) problems.push(`${at}: must not be privileged`);
      if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true)
        problems.push(`${at}: runAsNonRoot must be true`);
      if ((security.runAsUser ?? podSecurity.runAsUser) === 0) problems.push(`${at}: must not run as user 0`);
      if (!(security.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: capabilities must drop ALL`);
      if (security.capabilities?.add?.length) problems.push(`${at}: must not add capabilities`);
      const seccomp = security.seccompProfile?.type ?? podSecurity.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
        problems.push(`${at}: seccompProfile must be RuntimeDefault`);
      }
      if (LONG_RUNNING_KINDS.has(workload.kind) && !(pod.initContainers ?? []).includes(container)) {
        if (!container.livenessProbe) problems.push(`${at}: no livenessProbe`);
        if (!container.readinessProbe) problems.push(`${at}: no readinessProbe`);
      }
      for (const mount of container.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) problems.push(`${at}: mounts volume ${mount.name}, which the pod does not have`);
      }
      for (const source of container.envFrom ?? []) {
        if (source.secretRef) {
          problems.push(`${at}: envFrom secretRef hides which secrets it gets; list each key with secretKeyRef`);
        }
        if (source.configMapRef && !configMaps.has(source.configMapRef.name)) {
          problems.push(`${at}: envFrom names ConfigMap ${source.configMapRef.name}, which is not rendered`);
        }
      }
      for (const entry of container.env ?? []) {
        const ref = entry.valueFrom?.secretKeyRef;
        if ((SECRET_SETTINGS.has(entry.name) || SECRET_LIKE.test(entry.name)) && !ref) {
          problems.push(`${at}: ${entry.name} is a secret setting; it must come from a Secret (secretKeyRef)`);
        }
        if (ref) {
          const keys = secretKeys.get(ref.name);
          if (!keys) problems.push(`${at}: ${entry.name} reads Secret ${ref.name}, which is not defined`);
          else if (!keys.has(ref.key))
            problems.push(`${at}: ${entry.name} reads key ${ref.key} missing from Secret ${ref.name}`);
        }
      }
    }
  }

  // The API never holds the Runner's artifact key: not by name, not by key, not through its Secret.
  const runnerSecretNames = new Set(
    [...secretKeys].filter(([, keys]) => keys.has(RUNNER_ONLY_SETTING)).map(([name]) => name),
  );
  for (const workload of workloads.filter(isApi)) {
    const pod = podTemplate(workload)?.spec ?? {};
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const settings = containerSettings(container);
      const refs = (container.env ?? []).map((entry) => entry.valueFrom?.secretKeyRef).filter(Boolean);
      if (
        settings.has(RUNNER_ONLY_SETTING) ||
        refs.some((ref) => ref.key === RUNNER_ONLY_SETTING || runnerSecretNames.has(ref.name)) ||
        (pod.volumes ?? []).some((volume) => volume.secret && runnerSecretNames.has(volume.secret.secretName))
      ) {
        problems.push(
          `${describe(workload)}: the API must never get ${RUNNER_ONLY_SETTING} (or the Secret holding it)`,
        );
      }
    }
  }

  // Every long-running workload: autoscaled (autoscaling/v2) and covered by a PodDisruptionBudget.
  for (const workload of workloads.filter((object) => LONG_RUNNING_KINDS.has(object.kind))) {
    const labels = podTemplate(workload)?.metadata?.labels;
    const name = workload.metadata?.name;
    const hpa = byKind('HorizontalPodAutoscaler').find(
      (object) =>
        object.apiVersion === 'autoscaling/v2' &&
        object.spec?.scaleTargetRef?.kind === workload.kind &&
        object.spec?.scaleTargetRef?.name === name,
    );
    if (!hpa) problems.push(`${describe(workload)}: no autoscaling/v2 HorizontalPodAutoscaler targets it`);
    if (!byKind('PodDisruptionBudget').some((object) => matches(object.spec?.selector?.matchLabels, labels))) {
      problems.push(`${describe(workload)}: no PodDisruptionBudget selects its pods`);
    }
    if (!matches(workload.spec?.selector?.matchLabels, labels)) {
      problems.push(`${describe(workload)}: its selector does not match its pod template's labels`);
    }
  }

  // Every Service selects pods that some workload runs.
  for (const service of services) {
    const selector = service.spec?.selector;
    if (!workloads.some((workload) => matches(selector, podTemplate(workload)?.metadata?.labels))) {
      problems.push(`${describe(service)}: its selector matches no workload's pods`);
    }
  }

  // Names in the cluster's DNS (RUNNER_DISCOVERY_DNS, the console's API_UPSTREAM) name a rendered Service.
  for (const workload of workloads) {
    for (const container of podTemplate(workload)?.spec?.containers ?? []) {
      for (const [name, { value }] of containerSettings(container)) {
        const match = CLUSTER_DNS.exec(String(value ?? ''));
        if (!match) continue;
        const service = services.find(
          (object) => object.metadata?.name === match[1] && object.metadata?.namespace === match[2],
        );
        if (!service) {
          problems.push(`${describe(workload)}: ${name}=${value} names no Service in this deployment`);
          continue;
        }
        if (match[3] && !(service.spec?.ports ?? []).some((port) => String(port.port) === match[3])) {
          problems.push(`${describe(workload)}: ${name}=${value}: Service ${match[1]} has no port ${match[3]}`);
        }
        if (name === 'RUNNER_DISCOVERY_DNS' && service.spec?.clusterIP !== 'None') {
          problems.push(`${describe(workload)}: RUNNER_DISCOVERY_DNS must name a headless Service (clusterIP: None)`);
        }
      }
    }
  }

  // The Runner's cache and the API's upload spool live on size-limited volumes larger than their own limits
  // (past a volume's limit the kubelet evicts the pod). The API needs its spool folder set: the default
  // (the temporary folder, 1 GiB on S3) would outgrow a small /tmp volume.
  const diskUsers = [
    { dir: 'RUNNER_CACHE_DIR', max: 'RUNNER_CACHE_MAX_BYTES', what: 'cache' },
    { dir: 'UPLOAD_SPOOL_DIR', max: 'UPLOAD_SPOOL_MAX_BYTES', what: 'upload spool', requiredWith: 'API_PORT' },
  ];
  for (const workload of workloads) {
    const pod = podTemplate(workload)?.spec ?? {};
    for (const container of pod.containers ?? []) {
      const settings = containerSettings(container);
      for (const user of diskUsers) {
        const dir = settings.get(user.dir)?.value;
        const maxText = settings.get(user.max)?.value;
        if (dir === undefined) {
          if (user.requiredWith && settings.has(user.requiredWith) && maxText !== '0') {
            problems.push(`${describe(workload)}: ${user.dir} must name a size-limited volume (or ${user.max}=0)`);
          }
          continue;
        }
        const mount = (container.volumeMounts ?? []).find((item) => item.mountPath === dir);
        const volume = (pod.volumes ?? []).find((item) => item.name === mount?.name);
        const limit = quantityBytes(
          volume?.emptyDir?.sizeLimit ?? volume?.ephemeral?.volumeClaimTemplate?.spec?.resources?.requests?.storage,
        );
        const max = Number(maxText);
        if (limit === undefined) {
          problems.push(`${describe(workload)}: ${user.dir} ${dir} is not on a size-limited volume`);
        } else if (!(max > 0 && max < limit)) {
          problems.push(
            `${describe(workload)}: ${user.max} (${maxText ?? 'unset'}) must be set below the ${user.what} volume's size (${limit} bytes)`,
          );
        }
      }
    }
  }

  // Public origins: the console's and the extension UIs' differ, the Ingress serves both hosts, and the
  // console's CSP names the Runner's and the bucket's public origins.
  const platform = [...configMaps.values()].find((object) => object.data?.CONSOLE_ORIGIN !== undefined)?.data ?? {};
  const consoleOrigin = origin(platform.CONSOLE_ORIGIN);
  const runnerOrigin = origin(platform.RUNNER_PUBLIC_BASE);
  if (consoleOrigin && runnerOrigin) {
    if (consoleOrigin === runnerOrigin)
      problems.push('CONSOLE_ORIGIN and RUNNER_PUBLIC_BASE must be different origins');
    const hosts = new Set(byKind('Ingress').flatMap((ingress) => (ingress.spec?.rules ?? []).map((rule) => rule.host)));
    for (const [name, value] of [
      ['CONSOLE_ORIGIN', consoleOrigin],
      ['RUNNER_PUBLIC_BASE', runnerOrigin],
    ]) {
      if (!hosts.has(new URL(value).hostname)) problems.push(`no Ingress rule serves the host of ${name} (${value})`);
    }
  }
  for (const workload of workloads) {
    for (const container of podTemplate(workload)?.spec?.containers ?? []) {
      const settings = containerSettings(container);
      const frame = settings.get('CONSOLE_FRAME_ORIGIN')?.value;
      if (frame !== undefined && frame !== runnerOrigin) {
        problems.push(
          `${describe(workload)}: CONSOLE_FRAME_ORIGIN (${frame}) must be the origin of RUNNER_PUBLIC_BASE (${runnerOrigin})`,
        );
      }
      const uploads = settings.get('CONSOLE_UPLOAD_ORIGINS')?.value;
      const bucket = origin(platform.STORAGE_S3_PUBLIC_ENDPOINT ?? platform.STORAGE_S3_ENDPOINT);
      if (uploads !== undefined && uploads !== (bucket ?? '')) {
        problems.push(
          `${describe(workload)}: CONSOLE_UPLOAD_ORIGINS (${uploads}) must be the origin of STORAGE_S3_PUBLIC_ENDPOINT (${bucket})`,
        );
      }
    }
  }

  // Ingress backends name rendered Services and ports.
  for (const ingress of byKind('Ingress')) {
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend?.service;
        const service = services.find((object) => object.metadata?.name === backend?.name);
        const port = backend?.port?.name ?? backend?.port?.number;
        if (!service)
          problems.push(
            `${describe(ingress)}: ${rule.host}${path.path} goes to Service ${backend?.name}, which is not rendered`,
          );
        else if (!(service.spec?.ports ?? []).some((item) => item.name === port || item.port === port)) {
          problems.push(`${describe(ingress)}: ${rule.host}${path.path}: Service ${backend?.name} has no port ${port}`);
        }
      }
    }
  }

  // Deny by default: one policy selects every pod and allows nothing; DNS egress is allowed.
  const policies = byKind('NetworkPolicy');
  const denyAll = policies.some(
    (policy) =>
      Object.keys(policy.spec?.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((type) => (policy.spec?.policyTypes ?? []).includes(type)) &&
      !policy.spec?.ingress?.length &&
      !policy.spec?.egress?.length,
  );
  if (!denyAll) problems.push('no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)');
  const dns = policies.some((policy) =>
    (policy.spec?.egress ?? []).some((rule) =>
      (rule.ports ?? []).some((port) => port.port === 53 && port.protocol === 'UDP'),
    ),
  );
  if (!dns) problems.push('no NetworkPolicy allows DNS (UDP 53) egress');

  // Migrations run once, in a Job; API replicas never migrate at start-up.
  const migrates = byKind('Job').some((job) =>
    (podTemplate(job)?.spec?.containers ?? []).some((container) => (container.command ?? []).includes('migration:run')),
  );
  if (!migrates) problems.push('no Job runs the database migrations (migration:run)');
  for (const workload of workloads.filter((object) => LONG_RUNNING_KINDS.has(object.kind) && isApi(object))) {
    for (const container of podTemplate(workload)?.spec?.containers ?? []) {
      // The API migrates at start-up unless told otherwise (its default is true).
      if (containerSettings(container).get('DATABASE_MIGRATIONS_RUN')?.value !== 'false') {
        problems.push(
          `${describe(workload)}: DATABASE_MIGRATIONS_RUN must be "false"; the migration Job applies migrations`,
        );
      }
    }
  }
  return problems;
}

export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/** The committed Secrets template (deploy/kubernetes/secrets) holds placeholders only, never a value. */
export function checkSecretTemplate(objects) {
  const problems = [];
  for (const object of objects) {
    if (object?.kind !== 'Secret') {
      problems.push(`${describe(object)}: only Secrets belong in the secrets template`);
      continue;
    }
    if (object.data && Object.keys(object.data).length > 0) {
      problems.push(`${describe(object)}: use stringData placeholders, not data`);
    }
    for (const [key, value] of Object.entries(object.stringData ?? {})) {
      if (value !== SECRET_PLACEHOLDER)
        problems.push(`${describe(object)}: ${key} must be the placeholder ${SECRET_PLACEHOLDER}`);
    }
  }
  return problems;
}

/** Schema problems, then project-rule problems, of one rendered overlay. */
export async function validateManifests(objects, options = {}) {
  return [...(await validateSchemas(objects)), ...checkProjectRules(objects, options)];
}

/** Schema problems, then template problems, of the rendered Secrets template. */
export async function validateSecretTemplate(objects) {
  return [...(await validateSchemas(objects)), ...checkSecretTemplate(objects)];
}
