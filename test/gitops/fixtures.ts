// Applications in the GitOps and plugin suites: the manifest, a read, and a wait that reports the
// last status it saw when it times out.
import type { Application } from '../../src/api/application.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import type { Cluster } from '../harness/cluster.ts';
import { applyYaml } from '../rollout/fixtures.ts';

export type App = KubeObject & Application;

export interface ApplicationOptions {
  /** YAML lines under syncPolicy (after interval), indented four spaces. */
  readonly policy: string;
  /** YAML lines of spec before syncPolicy, indented two spaces. */
  readonly extraSpec?: string;
  readonly interval?: string;
}

/** An Application syncing `path: app` of `main` of the repository. */
export async function applyApplication(cluster: Cluster, ns: string, name: string, repoURL: string, o: ApplicationOptions): Promise<void> {
  await applyYaml(cluster, ns, `apiVersion: sluice.dev/v1alpha1
kind: Application
metadata:
  name: ${name}
spec:
  source: {repoURL: "${repoURL}", targetRevision: main, path: app}
${o.extraSpec ?? ''}  syncPolicy:
    interval: ${o.interval ?? '1s'}
${o.policy}`);
}

export async function readApplication(cluster: Cluster, ns: string, name: string): Promise<App> {
  return cluster.clients.request<App>({ method: 'GET', path: `/apis/sluice.dev/v1alpha1/namespaces/${ns}/applications/${name}` });
}

export async function waitForApplication(cluster: Cluster, ns: string, name: string, what: string, check: (a: App) => boolean, timeoutMs = 60_000): Promise<App> {
  let last: App | undefined;
  try {
    return await cluster.waitFor(`application ${name}: ${what}`, async () => {
      last = await readApplication(cluster, ns, name);
      return check(last) ? last : undefined;
    }, { timeoutMs, intervalMs: 100 });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last status: ${JSON.stringify(last?.status)}`);
  }
}

export const syncedAt = (sha: string) => (a: App): boolean => a.status?.sync?.status === 'Synced' && a.status.sync.revision === sha;
