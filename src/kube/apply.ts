// Server-side apply of objects exactly as written (raw JSON, see raw.ts), always with an
// explicit field manager: writes without one are recorded as "kubernetes-client-javascript"
// and cannot be told apart (FACTS.md).
import type { KubernetesObject } from './client.ts';
import type { KubeClients } from './client.ts';

export interface ApplyOptions {
  readonly fieldManager: string;
  /** Take over fields owned by other managers (kubectl apply --force-conflicts). */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

export async function serverSideApply<T extends KubernetesObject>(
  clients: KubeClients,
  object: T,
  options: ApplyOptions,
): Promise<T> {
  const { apiVersion, kind, metadata } = object;
  if (apiVersion === undefined || kind === undefined || metadata?.name === undefined) {
    throw new Error('server-side apply needs apiVersion, kind and metadata.name');
  }
  const path = await clients.discovery.path(apiVersion, kind, metadata.namespace, metadata.name);
  return clients.request<T>({
    method: 'PATCH',
    path,
    query: {
      fieldManager: options.fieldManager,
      force: options.force === true ? 'true' : undefined,
      dryRun: options.dryRun === true ? 'All' : undefined,
    },
    body: object,
    contentType: 'application/apply-patch+yaml', // JSON is valid YAML
  });
}
