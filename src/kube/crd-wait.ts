// Waits, on a watch, until a CustomResourceDefinition is Established (its kind is served), or
// until the timeout. The sync engine applies a revision's CRDs, then this, then its custom
// objects.
import type { KubeClients } from './api-clients.ts';
import { watchStream } from './watch.ts';

interface CrdStatus {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

const PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function established(crd: CrdStatus | undefined): boolean {
  return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
}

/** True once Established; false when `timeoutMs` passed first. Rejects on API errors. */
export async function waitForCrdEstablished(clients: Pick<KubeClients, 'request' | 'connection'>, name: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const current = await clients.request<CrdStatus>({ method: 'GET', path: `${PATH}/${encodeURIComponent(name)}` }, signal);
  if (established(current)) return true;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
  const abort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', abort, { once: true });
  let done = false;
  try {
    await watchStream(
      clients.connection,
      { path: PATH, query: { fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata?.resourceVersion, timeoutSeconds: String(Math.ceil(timeoutMs / 1000)) } },
      (event) => {
        if (!established(event.object as CrdStatus)) return;
        done = true;
        controller.abort(new Error('established'));
      },
      { signal: controller.signal, idleTimeoutMs: timeoutMs + 5000 },
    );
  } catch (error) {
    if (!done && !controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
  return done;
}
