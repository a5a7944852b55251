// `get rollout NAME --watch`: watches the Rollout, its namespace's ReplicaSets, pods and
// AnalysisRuns, and on any change (coalesced over 100 ms) reads the tree and redraws it — on a
// terminal in place, otherwise one view after another separated by a blank line. Never polls.
// Resolves when `stop` aborts (Ctrl-C), or rejects when a watch cannot start.
import { API_VERSION, POD_TEMPLATE_HASH_LABEL } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import { makeInformer, type Informer } from '../kube/informer.ts';
import { silentLogger } from '../kube/logger.ts';
import type { KubeObject } from '../kube/object.ts';
import { readTree } from './read-tree.ts';
import type { RolloutTree } from './render.ts';

const COALESCE_MS = 100;

export interface WatchViewOptions {
  readonly draw: (tree: RolloutTree) => void;
  readonly stop: AbortSignal;
}

export async function watchRollout(clients: KubeClients, namespace: string, name: string, options: WatchViewOptions): Promise<void> {
  options.draw(await readTree(clients, namespace, name));
  let timer: NodeJS.Timeout | undefined;
  let drawing = Promise.resolve();
  const changed = (): void => {
    if (timer !== undefined || options.stop.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      drawing = drawing.then(async () => options.draw(await readTree(clients, namespace, name))).catch(() => undefined);
    }, COALESCE_MS);
  };
  const handlers = { onAdd: changed, onUpdate: changed, onDelete: changed };
  const watch = (path: string, extra: { labelSelector?: string; fieldSelector?: string } = {}): Informer<KubeObject> => makeInformer(clients, { path, logger: silentLogger, ...extra }, handlers);
  const informers = [
    watch(`/apis/${API_VERSION}/namespaces/${namespace}/rollouts`, { fieldSelector: `metadata.name=${name}` }),
    watch(`/apis/apps/v1/namespaces/${namespace}/replicasets`, { labelSelector: POD_TEMPLATE_HASH_LABEL }),
    watch(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: POD_TEMPLATE_HASH_LABEL }),
    watch(`/apis/${API_VERSION}/namespaces/${namespace}/analysisruns`),
  ];
  try {
    await Promise.all(informers.map((i) => i.start()));
    await new Promise<void>((resolve) => {
      if (options.stop.aborted) resolve();
      options.stop.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearTimeout(timer);
    for (const informer of informers) informer.stop();
    await drawing;
  }
}
