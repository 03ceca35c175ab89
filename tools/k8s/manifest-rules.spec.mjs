import { describe, expect, it } from '@jest/globals';
import {
  checkProjectRules,
  checkSecretTemplate,
  parseManifests,
  quantityBytes,
  validateManifests,
  validateSchemas,
} from './manifest-rules.mjs';

// A small deployment that follows every rule: an API, a Runner, their Services, autoscalers, budgets,
// policies, the migration Job and the Ingress. Each test breaks one thing and expects the validator to say so.
const SECRETS = parseManifests(`
apiVersion: v1
kind: Secret
metadata: { name: api-secrets, namespace: ns }
stringData: { DATABASE_URL: REPLACE_ME, AUTH_JWT_SECRET: REPLACE_ME }
---
apiVersion: v1
kind: Secret
metadata: { name: runner-secrets, namespace: ns }
stringData: { DATABASE_URL: REPLACE_ME, RUNNER_ARTIFACT_KEY: REPLACE_ME }
`);

const hardened = `
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: '1', memory: 512Mi }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities: { drop: [ALL] }
            seccompProfile: { type: RuntimeDefault }`;
const probes = `
          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
          readinessProbe: { httpGet: { path: /readyz, port: 8080 } }`;

const VALID = `
apiVersion: v1
kind: ConfigMap
metadata: { name: platform, namespace: ns }
data:
  CONSOLE_ORIGIN: https://console.example.com
  RUNNER_PUBLIC_BASE: https://ext.example.com
  STORAGE_S3_PUBLIC_ENDPOINT: https://s3.example.com
---
apiVersion: v1
kind: ConfigMap
metadata: { name: api, namespace: ns }
data:
  DATABASE_MIGRATIONS_RUN: 'false'
  RUNNER_DISCOVERY_DNS: runner-discovery.ns.svc.cluster.local:8081
---
apiVersion: v1
kind: ConfigMap
metadata: { name: runner, namespace: ns }
data:
  RUNNER_CACHE_DIR: /var/cache/extplat
  RUNNER_CACHE_MAX_BYTES: '3221225472'
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: ns }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api, app.kubernetes.io/component: api } }
    spec:
      automountServiceAccountToken: false
      containers:
        - name: api
          image: extplat/api:1.0.0
          envFrom:
            - configMapRef: { name: platform }
            - configMapRef: { name: api }
          env:
            - name: DATABASE_URL
              valueFrom: { secretKeyRef: { name: api-secrets, key: DATABASE_URL } }
            - name: AUTH_JWT_SECRET
              valueFrom: { secretKeyRef: { name: api-secrets, key: AUTH_JWT_SECRET } }${probes}${hardened}
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: runner, namespace: ns }
spec:
  selector: { matchLabels: { app: runner } }
  template:
    metadata: { labels: { app: runner, app.kubernetes.io/component: runner } }
    spec:
      automountServiceAccountToken: false
      containers:
        - name: runner
          image: extplat/runner:1.0.0
          envFrom:
            - configMapRef: { name: platform }
            - configMapRef: { name: runner }
          env:
            - name: DATABASE_URL
              valueFrom: { secretKeyRef: { name: runner-secrets, key: DATABASE_URL } }
            - name: RUNNER_ARTIFACT_KEY
              valueFrom: { secretKeyRef: { name: runner-secrets, key: RUNNER_ARTIFACT_KEY } }
          volumeMounts:
            - { name: cache, mountPath: /var/cache/extplat }${probes}${hardened}
      volumes:
        - name: cache
          emptyDir: { sizeLimit: 4Gi }
---
apiVersion: batch/v1
kind: Job
metadata: { name: migrate, namespace: ns }
spec:
  template:
    metadata: { labels: { app: migrate } }
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      containers:
        - name: migrate
          image: extplat/api:1.0.0
          command: [node, node_modules/typeorm/cli.js, migration:run, -d, apps/api/dist/database/data-source.js]
          env:
            - name: DATABASE_URL
              valueFrom: { secretKeyRef: { name: api-secrets, key: DATABASE_URL } }${hardened}
---
apiVersion: v1
kind: Service
metadata: { name: runner-discovery, namespace: ns }
spec:
  clusterIP: None
  selector: { app: runner }
  ports: [{ name: http, port: 8081 }]
---
apiVersion: v1
kind: Service
metadata: { name: runner, namespace: ns }
spec:
  selector: { app: runner }
  ports: [{ name: http, port: 8081 }]
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: ns }
spec:
  selector: { app: api }
  ports: [{ name: http, port: 8080 }]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: api, namespace: ns }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: api }
  minReplicas: 2
  maxReplicas: 4
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: runner, namespace: ns }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: runner }
  minReplicas: 3
  maxReplicas: 6
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: api, namespace: ns }
spec:
  maxUnavailable: 1
  selector: { matchLabels: { app: api } }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: runner, namespace: ns }
spec:
  maxUnavailable: 1
  selector: { matchLabels: { app: runner } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: ns }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-dns, namespace: ns }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - ports: [{ protocol: UDP, port: 53 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: ns }
spec:
  rules:
    - host: console.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: api, port: { name: http } } } }
    - host: ext.example.com
      http:
        paths:
          - { path: /ext-ui/, pathType: Prefix, backend: { service: { name: runner, port: { name: http } } } }
`;

function fresh() {
  return parseManifests(VALID);
}
function find(objects, kind, name) {
  const object = objects.find((item) => item.kind === kind && item.metadata.name === name);
  if (!object) throw new Error(`fixture has no ${kind} ${name}`);
  return object;
}
function container(objects, name) {
  return find(objects, 'Deployment', name).spec.template.spec.containers[0];
}
async function problemsOf(objects) {
  return validateManifests(objects, { secrets: SECRETS });
}

describe('Kubernetes manifest validation', () => {
  it('passes the valid fixture, so every failure below comes from the one thing each test breaks', async () => {
    const objects = fresh();
    expect(objects).toHaveLength(16);
    expect(await problemsOf(objects)).toEqual([]);
  });

  it('fails an object that breaks the Kubernetes schema', async () => {
    const objects = fresh();
    find(objects, 'Service', 'api').spec.ports[0].port = 'eighty';
    find(objects, 'HorizontalPodAutoscaler', 'api').spec.maxReplicas = '4';
    const problems = await validateSchemas(objects);
    expect(problems).toEqual([
      expect.stringMatching(/^Service ns\/api: schema: \/spec\/ports\/0\/port must be integer/),
      expect.stringMatching(/^HorizontalPodAutoscaler ns\/api: schema: \/spec\/maxReplicas must be integer/),
    ]);
  });

  it('fails a kind the pinned Kubernetes API does not have', async () => {
    const objects = [{ apiVersion: 'autoscaling/v9', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' } }];
    expect(await validateSchemas(objects)).toEqual([
      'HorizontalPodAutoscaler x: no schema for autoscaling/v9 HorizontalPodAutoscaler in the pinned Kubernetes API',
    ]);
  });

  it('fails a container without probes, limits or a hardened securityContext', async () => {
    const objects = fresh();
    const runner = container(objects, 'runner');
    delete runner.readinessProbe;
    delete runner.resources.limits.memory;
    runner.securityContext.readOnlyRootFilesystem = false;
    runner.securityContext.capabilities.drop = [];
    delete runner.securityContext.runAsNonRoot;
    expect(await problemsOf(objects)).toEqual([
      'Deployment ns/runner container runner: no memory limit',
      'Deployment ns/runner container runner: readOnlyRootFilesystem must be true',
      'Deployment ns/runner container runner: runAsNonRoot must be true',
      'Deployment ns/runner container runner: capabilities must drop ALL',
      'Deployment ns/runner container runner: no readinessProbe',
    ]);
  });

  it('fails a secret setting given as a literal or from a ConfigMap', async () => {
    const objects = fresh();
    container(objects, 'api').env[1] = { name: 'AUTH_JWT_SECRET', value: 'not-so-secret' };
    find(objects, 'ConfigMap', 'platform').data.REDIS_URL = 'redis://:pw@redis:6379';
    find(objects, 'ConfigMap', 'platform').data.NEW_SERVICE_TOKEN = 'abc';
    expect(checkProjectRules(objects, { secrets: SECRETS })).toEqual([
      'ConfigMap platform: REDIS_URL is a secret setting; it belongs in a Secret',
      'ConfigMap platform: NEW_SERVICE_TOKEN is a secret setting; it belongs in a Secret',
      'Deployment ns/api container api: AUTH_JWT_SECRET is a secret setting; it must come from a Secret (secretKeyRef)',
    ]);
  });

  it('fails a secretKeyRef to a Secret or key that is not defined', async () => {
    const objects = fresh();
    container(objects, 'api').env[0].valueFrom.secretKeyRef.name = 'nope';
    container(objects, 'api').env[1].valueFrom.secretKeyRef.key = 'AUTH_JWT';
    expect(checkProjectRules(objects, { secrets: SECRETS })).toEqual([
      'Deployment ns/api container api: DATABASE_URL reads Secret nope, which is not defined',
      'Deployment ns/api container api: AUTH_JWT_SECRET reads key AUTH_JWT missing from Secret api-secrets',
    ]);
  });

  it('fails an API that could read RUNNER_ARTIFACT_KEY, by name or through the Runner’s Secret', async () => {
    const byName = fresh();
    container(byName, 'api').env.push({
      name: 'RUNNER_ARTIFACT_KEY',
      valueFrom: { secretKeyRef: { name: 'runner-secrets', key: 'RUNNER_ARTIFACT_KEY' } },
    });
    expect(checkProjectRules(byName, { secrets: SECRETS })).toEqual([
      'Deployment ns/api: the API must never get RUNNER_ARTIFACT_KEY (or the Secret holding it)',
    ]);
    const bySecret = fresh();
    container(bySecret, 'api').env[0].valueFrom.secretKeyRef.name = 'runner-secrets';
    expect(checkProjectRules(bySecret, { secrets: SECRETS })).toEqual([
      'Deployment ns/api: the API must never get RUNNER_ARTIFACT_KEY (or the Secret holding it)',
    ]);
  });

  it('fails a Runner cache that is not below its volume’s size limit', async () => {
    const objects = fresh();
    find(objects, 'ConfigMap', 'runner').data.RUNNER_CACHE_MAX_BYTES = String(5 * 2 ** 30);
    expect(checkProjectRules(objects, { secrets: SECRETS })).toEqual([
      "Deployment ns/runner: RUNNER_CACHE_MAX_BYTES (5368709120) must be set below the cache volume's size (4294967296 bytes)",
    ]);
    const unlimited = fresh();
    delete find(unlimited, 'Deployment', 'runner').spec.template.spec.volumes[0].emptyDir.sizeLimit;
    expect(checkProjectRules(unlimited, { secrets: SECRETS })).toEqual([
      'Deployment ns/runner: emptyDir volume cache needs a sizeLimit',
      'Deployment ns/runner: RUNNER_CACHE_DIR /var/cache/extplat is not on a size-limited volume',
    ]);
  });

  it('fails Runner discovery that names a missing or non-headless Service', async () => {
    const objects = fresh();
    delete find(objects, 'Service', 'runner-discovery').spec.clusterIP;
    expect(checkProjectRules(objects, { secrets: SECRETS })).toEqual([
      'Deployment ns/api: RUNNER_DISCOVERY_DNS must name a headless Service (clusterIP: None)',
    ]);
    const otherNamespace = fresh();
    find(otherNamespace, 'ConfigMap', 'api').data.RUNNER_DISCOVERY_DNS = 'runner-discovery.prod.svc.cluster.local:8081';
    expect(checkProjectRules(otherNamespace, { secrets: SECRETS })).toEqual([
      'Deployment ns/api: RUNNER_DISCOVERY_DNS=runner-discovery.prod.svc.cluster.local:8081 names no Service in this deployment',
    ]);
  });

  it('fails a Deployment without an autoscaler or a disruption budget', async () => {
    const objects = fresh().filter(
      (object) =>
        !(
          object.metadata.name === 'runner' && ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(object.kind)
        ),
    );
    expect(checkProjectRules(objects, { secrets: SECRETS })).toEqual([
      'Deployment ns/runner: no autoscaling/v2 HorizontalPodAutoscaler targets it',
      'Deployment ns/runner: no PodDisruptionBudget selects its pods',
    ]);
  });

  it('fails one origin for the console and the extension UIs', async () => {
    const objects = fresh();
    find(objects, 'ConfigMap', 'platform').data.RUNNER_PUBLIC_BASE = 'https://console.example.com/ext';
    expect(checkProjectRules(objects, { secrets: SECRETS })).toEqual([
      'CONSOLE_ORIGIN and RUNNER_PUBLIC_BASE must be different origins',
    ]);
  });

  it('fails without a default-deny policy, a migration Job, or with API replicas that migrate', async () => {
    const objects = fresh().filter((object) => object.kind !== 'Job' && object.metadata.name !== 'default-deny');
    delete find(objects, 'ConfigMap', 'api').data.DATABASE_MIGRATIONS_RUN;
    expect(checkProjectRules(objects, { secrets: SECRETS })).toEqual([
      'no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)',
      'no Job runs the database migrations (migration:run)',
      'Deployment ns/api: DATABASE_MIGRATIONS_RUN must be "false"; the migration Job applies migrations',
    ]);
  });

  it('accepts only placeholders in the committed Secrets template', () => {
    expect(checkSecretTemplate(SECRETS)).toEqual([]);
    const leaked = parseManifests(`
apiVersion: v1
kind: Secret
metadata: { name: s }
stringData: { AUTH_JWT_SECRET: a-real-looking-secret-value }
`);
    expect(checkSecretTemplate(leaked)).toEqual(['Secret s: AUTH_JWT_SECRET must be the placeholder REPLACE_ME']);
  });

  it('reads Kubernetes quantities as bytes and rejects broken YAML', () => {
    expect(quantityBytes('4Gi')).toBe(4 * 2 ** 30);
    expect(quantityBytes('500M')).toBe(5e8);
    expect(quantityBytes('lots')).toBeUndefined();
    expect(() => parseManifests('a: [1, 2', 'broken.yaml')).toThrow(/^broken\.yaml: invalid YAML/);
  });
});
