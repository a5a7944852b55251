// The `kubectl_complete-sluice` bin: kubectl passes the words typed after `kubectl sluice`, the
// last one being completed; names come from the cluster with the user's own kubeconfig, and a
// cluster that cannot be reached just offers none.
import { API_VERSION } from '../api/names.ts';
import { candidates, cobraOutput, type NameLister } from './complete.ts';
import { openSession } from './session.ts';

const listNames: NameLister = async (kind, flags) => {
  const session = openSession(flags);
  const path = `/apis/${API_VERSION}/namespaces/${session.namespace}/${kind}`;
  const list = await session.clients.request<{ items: { metadata: { name: string } }[] }>({ method: 'GET', path });
  return list.items.map((item) => item.metadata.name).sort();
};

export async function completeArgs(args: readonly string[]): Promise<string> {
  const current = args.at(-1) ?? '';
  return cobraOutput(await candidates(args.slice(0, -1), current, listNames));
}
