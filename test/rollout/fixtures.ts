// Fixtures written in Argo Rollouts' own syntax (apiVersion changed), applied as written, and
// small readers for what the tests assert on.
import { load, loadAll } from 'js-yaml';
import { serverSideApply } from '../../src/kube/apply.ts';
import type { KubernetesObject } from '../../src/kube/client.ts';
import { getObject, mergePatchObject, patchStatus, type JsonPatchOperation } from '../../src/kube/patch.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { isConflict } from '../../src/kube/errors.ts';
import type { Cluster } from '../harness/cluster.ts';

export interface HostSplitOptions {
  readonly name?: string;
  readonly replicas?: number;
  readonly image?: string;
  /** YAML of the steps list, indented for `steps:` */
  readonly steps: string;
  readonly extraCanary?: string;
}

export function hostSplitRollout(o: HostSplitOptions): string {
  const name = o.name ?? 'web';
  return `
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: ${name}
spec:
  replicas: ${o.replicas ?? 3}
  revisionHistoryLimit: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: ${name}
        image: ${o.image ?? 'registry.invalid/web:v1'}
        ports:
        - name: http
          containerPort: 8080
  strategy:
    canary:
      canaryService: ${name}-canary
      stableService: ${name}-stable
${o.extraCanary ?? ''}      trafficRouting:
        istio:
          virtualService:
            name: ${name}
            routes:
            - primary
      steps:
${o.steps}
`;
}

export function hostSplitNetwork(name = 'web'): string {
  const service = (role: string): string => `
apiVersion: v1
kind: Service
metadata:
  name: ${name}-${role}
spec:
  ports:
  - port: 80
    targetPort: http
    protocol: TCP
    name: http
  selector:
    app: ${name}
`;
  return `${service('canary')}---${service('stable')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts:
  - ${name}.example.com
  - ${name}
  gateways:
  - mesh
  http:
  - name: primary
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: gateway-error,connect-failure
    route:
    - destination:
        host: ${name}-stable
      weight: 100
    - destination:
        host: ${name}-canary
      weight: 0
  - name: unmanaged
    match:
    - uri:
        prefix: /legacy
    route:
    - destination:
        host: legacy
      weight: 100
`;
}

export async function applyYaml(cluster: Cluster, namespace: string, yaml: string): Promise<void> {
  for (const doc of loadAll(yaml) as (KubernetesObject | null)[]) {
    if (doc === null) continue;
    await serverSideApply(cluster.clients, { ...doc, metadata: { ...doc.metadata, namespace } }, { fieldManager: 'test-user', force: true });
  }
}

export function parseYaml<T>(yaml: string): T {
  return load(yaml) as T;
}

export interface RolloutState {
  readonly metadata: { readonly name: string; readonly resourceVersion?: string; readonly generation?: number };
  readonly status?: {
    readonly phase?: string;
    readonly message?: string;
    readonly currentStepIndex?: number;
    readonly stableRS?: string;
    readonly currentPodHash?: string;
    readonly pauseConditions?: { reason: string; startTime: string }[];
    readonly abortedAt?: string;
    readonly restartedAt?: string;
    readonly observedGeneration?: number;
    readonly conditions?: { type: string; status: string; reason: string; message: string }[];
    readonly canary?: { readonly setWeight?: number; readonly weights?: { canary: { weight: number } } };
  };
}

const rolloutRef = (namespace: string, name: string) => ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', namespace, name });

export async function readRollout(cluster: Cluster, namespace: string, name = 'web'): Promise<RolloutState> {
  const rollout = await getObject<RolloutState & KubeObject>(cluster.clients, rolloutRef(namespace, name));
  if (rollout === undefined) throw new Error(`rollout ${namespace}/${name} not found`);
  return rollout;
}

/** Waits until the Rollout's status is observed for its generation and `check` holds. */
export async function waitForRollout(
  cluster: Cluster,
  namespace: string,
  what: string,
  check: (r: RolloutState) => boolean,
  name = 'web',
  timeoutMs = 60_000,
): Promise<RolloutState> {
  return cluster.waitFor(`rollout ${name}: ${what}`, async () => {
    const r = await readRollout(cluster, namespace, name);
    return r.status?.observedGeneration === r.metadata.generation && check(r) ? r : undefined;
  }, { timeoutMs, intervalMs: 100 });
}

export async function vsWeights(cluster: Cluster, namespace: string, name = 'web'): Promise<number[]> {
  const vs = await getObject<KubeObject & { spec: { http: { name: string; route: { weight?: number }[] }[] } }>(cluster.clients, {
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name,
  });
  return (vs?.spec.http.find((r) => r.name === 'primary')?.route ?? []).map((d) => d.weight ?? 0);
}

export async function selectorHash(cluster: Cluster, namespace: string, service: string): Promise<string | undefined> {
  const svc = await cluster.clients.core.readNamespacedService({ namespace, name: service });
  return svc.spec?.selector?.['rollouts-pod-template-hash'];
}

/** spec.replicas and ready replicas of the Rollout's ReplicaSet with this hash. */
export async function replicaSet(cluster: Cluster, namespace: string, hash: string, name = 'web'): Promise<{ replicas: number; ready: number; annotations: Record<string, string> }> {
  const rs = await cluster.clients.apps.readNamespacedReplicaSet({ namespace, name: `${name}-${hash}` });
  return { replicas: rs.spec?.replicas ?? 0, ready: rs.status?.readyReplicas ?? 0, annotations: rs.metadata?.annotations ?? {} };
}

/**
 * The plugin's operations, as later `kubectl sluice` sends them: status patches guarded by the
 * resourceVersion just read; a concurrent change (the controller writing status) means re-read
 * and send again, never a blind write.
 */
export async function operate(cluster: Cluster, namespace: string, op: 'promote' | 'promoteFull' | 'abort' | 'retry', name = 'web'): Promise<void> {
  const ops: Record<typeof op, JsonPatchOperation[]> = {
    promote: [{ op: 'add', path: '/status/pauseConditions', value: [] }],
    promoteFull: [{ op: 'add', path: '/status/promoteFull', value: true }],
    abort: [{ op: 'add', path: '/status/abort', value: true }],
    retry: [{ op: 'add', path: '/status/abort', value: false }],
  };
  for (let attempt = 1; ; attempt++) {
    const r = await readRollout(cluster, namespace, name);
    try {
      await patchStatus(cluster.clients, rolloutRef(namespace, name), ops[op], { fieldManager: 'kubectl-sluice', resourceVersion: r.metadata.resourceVersion });
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= 5) throw error;
    }
  }
}

export async function setImage(cluster: Cluster, namespace: string, image: string, name = 'web'): Promise<void> {
  await mergePatchObject(cluster.clients, rolloutRef(namespace, name), { spec: { template: { spec: { containers: [{ name, image, ports: [{ name: 'http', containerPort: 8080 }] }] } } } }, { fieldManager: 'test-user' });
}
