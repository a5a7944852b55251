// The ReplicaSet a Rollout owns for one pod-template-hash: `<rollout>-<hash>`, labelled with the
// hash (pods and selector too), annotated with its revision and, when synced from Git, the commit.
import { GIT_REVISION_ANNOTATION, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from '../api/names.ts';
import type { KubeObject } from '../kube/object.ts';
import type { RolloutObject } from './rollout-object.ts';

export function replicaSetName(rollout: RolloutObject, hash: string): string {
  return `${rollout.metadata.name}-${hash}`;
}

export function buildReplicaSet(rollout: RolloutObject, hash: string, replicas: number, revision: number): KubeObject & { spec: unknown } {
  const template = rollout.spec.template;
  const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const git = rollout.metadata.annotations?.[GIT_REVISION_ANNOTATION];
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: replicaSetName(rollout, hash),
      namespace: rollout.metadata.namespace,
      labels,
      annotations: { [REVISION_ANNOTATION]: String(revision), ...(git === undefined ? {} : { [GIT_REVISION_ANNOTATION]: git }) },
      ownerReferences: [
        { apiVersion: rollout.apiVersion, kind: rollout.kind, name: rollout.metadata.name, uid: rollout.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      replicas,
      minReadySeconds: rollout.spec.minReadySeconds ?? 0,
      selector: {
        ...rollout.spec.selector,
        matchLabels: { ...(rollout.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
      },
      template: { ...template, metadata: { ...template.metadata, labels } },
    },
  };
}
