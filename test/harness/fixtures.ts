// Small builders shared by the harness's own tests and later suites.
import type { k8s } from '../../src/kube/types.ts';
import type { Cluster } from './cluster.ts';

let counter = 0;

/** One namespace per test: a unique name, created and returned. */
export async function createNamespace(cluster: Cluster, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  await cluster.clients.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export function deployment(name: string, replicas: number, image = 'registry.invalid/app:v1'): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  };
}

export async function readyReplicas(cluster: Cluster, namespace: string, name: string): Promise<number> {
  const live = await cluster.clients.apps.readNamespacedDeployment({ namespace, name });
  return live.status?.readyReplicas ?? 0;
}

/** A small namespaced test CRD (widgets.test.sluice.dev/v1, kind Widget) with a status subresource and a validated field. */
export function widgetCrd(): k8s.V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.test.sluice.dev' },
    spec: {
      group: 'test.sluice.dev',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                status: { type: 'object', properties: { phase: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  };
}
