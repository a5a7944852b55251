// `set image` and `undo` change a Rollout's spec; when an Application with selfHeal owns that
// Rollout, Git puts the spec back at its next sync. Say so before acting (the change is still
// made: it may be what the user wants for a minute), and point at the lasting ways.
import { APPLICATION_KIND, type Application } from '../api/application.ts';
import { API_VERSION, APPLICATION_ANNOTATION } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import type { KubeObject } from '../kube/object.ts';
import { getObject } from '../kube/patch.ts';

export async function gitopsWarning(clients: KubeClients, rollout: KubeObject): Promise<string | undefined> {
  const owner = rollout.metadata.annotations?.[APPLICATION_ANNOTATION];
  const slash = owner?.indexOf('/') ?? -1;
  if (owner === undefined || slash <= 0) return undefined;
  const [namespace, name] = [owner.slice(0, slash), owner.slice(slash + 1)];
  // Without the right to read Applications there is no warning, not an error.
  const app = await getObject<KubeObject & Application>(clients, { apiVersion: API_VERSION, kind: APPLICATION_KIND, namespace, name }).catch(() => undefined);
  if (app?.spec.syncPolicy?.automated?.selfHeal !== true) return undefined;
  return (
    `warning: rollout "${rollout.metadata.name}" is synced from Git by Application ${owner} with selfHeal: its next sync puts the spec back. ` +
    `Commit the change to Git instead (a revert of the bad commit goes straight back to stable), or set spec.suspend on the Application first.`
  );
}
