// One fake Node that kwok manages (by annotation) and keeps Ready through its Lease.
import type { KubeClients } from '../../src/kube/client.ts';
import { isAlreadyExists } from '../../src/kube/errors.ts';
import { waitFor, type WaitOptions } from './wait.ts';

export const FAKE_NODE_NAME = 'kwok-node-0';

export async function createFakeNode(clients: KubeClients, wait: WaitOptions): Promise<void> {
  try {
    await clients.core.createNode({
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: FAKE_NODE_NAME,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/hostname': FAKE_NODE_NAME,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            type: 'kwok',
          },
        },
      },
    });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  await waitFor(
    `node ${FAKE_NODE_NAME} to be Ready`,
    async () => {
      const node = await clients.core.readNode({ name: FAKE_NODE_NAME });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      // The node-lifecycle controller taints a new node not-ready until it sees it Ready.
      const tainted = (node.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'));
      return ready && !tainted;
    },
    { ...wait, timeoutMs: 60_000 },
  );
}
