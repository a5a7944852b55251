// The control plane's own pace, as the reference for a Sluice figure in the same run: N
// Deployments (1 replica) created, then all given a new image, in a fresh namespace; the
// controller-manager alone does the work. Done = `kubectl rollout status` would say complete.
import { mergePatchObject } from '../../src/kube/patch.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import type { Cluster } from '../harness/cluster.ts';
import { createNamespace, deployment } from '../harness/fixtures.ts';
import { apiServerRequests, forEachLimit, meterCpu, requestsServed } from './measure.ts';
import { watchCollections } from './watched.ts';

interface DeploymentState extends KubeObject {
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly observedGeneration?: number; readonly replicas?: number; readonly updatedReplicas?: number; readonly availableReplicas?: number };
}

export interface PaceOptions {
  readonly count: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface Pace {
  /** From the first create until all are available. */
  readonly createdMs: number;
  /** From the first image change until every Deployment has rolled out its new ReplicaSet. */
  readonly updatedMs: number;
  /** CPU seconds by process during the update. */
  readonly updatedCpu: string;
  /** Requests the API server served during the update, every client. */
  readonly updatedServed: string;
}

/** Rolled out at `generation` (1: as created, 2: after the image change) or later. */
const complete = (d: DeploymentState | undefined, generation: number): boolean => {
  const wanted = d?.spec?.replicas ?? 1;
  const s = d?.status;
  return s !== undefined && (d?.metadata.generation ?? 0) >= generation && s.observedGeneration === d?.metadata.generation
    && s.updatedReplicas === wanted && s.replicas === wanted && s.availableReplicas === wanted;
};

export async function controlPlanePace(cluster: Cluster, options: PaceOptions): Promise<Pace> {
  const namespace = await createNamespace(cluster, 'bench-deploy');
  const names = Array.from({ length: options.count }, (_, i) => `app-${i}`);
  const watched = await watchCollections(cluster, { deployments: { path: `/apis/apps/v1/namespaces/${namespace}/deployments` } });
  try {
    const done = (generation: number) => (name: string): boolean => complete(watched.get<DeploymentState>('deployments', name), generation);
    const describe = (name: string): string => JSON.stringify(watched.get<DeploymentState>('deployments', name)?.status ?? 'not seen');
    const wait = { timeoutMs: options.timeoutMs, describe };

    const t0 = performance.now();
    await forEachLimit(names, options.concurrency, async (name) => {
      await cluster.clients.apps.createNamespacedDeployment({ namespace, body: deployment(name, 1) });
    });
    const createdMs = (await watched.untilAll(`${options.count} Deployments available`, names, done(1), wait)) - t0;
    options.log(`control plane: ${options.count} Deployments available after ${Math.round(createdMs)} ms`);

    const t1 = performance.now();
    const cpu = meterCpu(cluster.processes.running());
    const served = await apiServerRequests((args) => cluster.kubectl(args));
    await forEachLimit(names, options.concurrency, async (name) => {
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name };
      await mergePatchObject(cluster.clients, ref, { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.invalid/app:v2' }] } } } }, { fieldManager: 'bench' });
    });
    const updatedMs = (await watched.untilAll(`${options.count} updated Deployments available`, names, done(2), wait)) - t1;
    const updatedCpu = cpu.report();
    return { createdMs, updatedMs, updatedCpu, updatedServed: requestsServed(served, await apiServerRequests((args) => cluster.kubectl(args))) };
  } finally {
    watched.stop();
  }
}
