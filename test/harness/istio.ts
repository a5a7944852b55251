// Istio's real CRDs (VirtualService, DestinationRule, … from the istio.io/api module,
// fetched by `make setup`). They mark no list types: under server-side apply `spec.http`
// of a VirtualService is one atomic field, which the rollout and GitOps code relies on.
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { serverSideApply } from '../../src/kube/apply.ts';
import type { KubeClients, KubernetesObject } from '../../src/kube/client.ts';
import { istioCrdsPath } from './paths.ts';
import { waitFor, type WaitOptions } from './wait.ts';

export async function installCrds(clients: KubeClients, crds: readonly KubernetesObject[], wait: WaitOptions = {}): Promise<void> {
  await Promise.all(crds.map((crd) => serverSideApply(clients, crd, { fieldManager: 'sluice-test-harness', force: true })));
  await Promise.all(
    crds.map((crd) => {
      const name = crd.metadata?.name ?? '';
      return waitFor(
        `CRD ${name} to be Established`,
        async () => {
          const live = await clients.apiextensions.readCustomResourceDefinition({ name });
          return live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        },
        wait,
      );
    }),
  );
}

export async function installIstioCrds(clients: KubeClients, wait: WaitOptions = {}): Promise<string[]> {
  const documents = loadAll(readFileSync(istioCrdsPath(), 'utf8')) as (KubernetesObject | null)[];
  const crds = documents.filter((d): d is KubernetesObject => d?.kind === 'CustomResourceDefinition');
  await installCrds(clients, crds, wait);
  return crds.map((crd) => crd.metadata?.name ?? '');
}
