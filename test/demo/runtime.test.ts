// The demo runtime's process management over a scripted pod list/watch (no control plane):
// a process per Ready pod with the pod's env, none for a pod not Ready, stopped when the pod
// turns terminating or is deleted, restarted when it dies on its own, all stopped on stop().
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DemoPod } from '../../demo/pods.ts';
import { startDemoRuntime } from '../../demo/runtime.ts';
import type { KubeClients } from '../../src/kube/api-clients.ts';
import type { ListerWatcher, ListPage } from '../../src/kube/list-watch.ts';
import type { WatchEvent } from '../../src/kube/watch.ts';
import { waitFor } from '../harness/wait.ts';

let rv = 1;

function pod(name: string, ready: boolean, env: Record<string, string> = {}, extra: { deletionTimestamp?: string } = {}): DemoPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'demo', uid: `uid-${name}`, resourceVersion: String(++rv), ...extra },
    spec: { containers: [{ name: 'web', env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) }] },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** Lists `initial` once, then delivers what the test emits on one open watch. */
function scriptedPods(initial: DemoPod[]): ListerWatcher & { emit(type: WatchEvent['type'], object: DemoPod): void } {
  let onEvent: ((event: WatchEvent) => void) | undefined;
  return {
    list: (): Promise<ListPage> => Promise.resolve({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items: initial }),
    watch: (_query, handler, signal) =>
      new Promise<void>((_resolve, reject) => {
        onEvent = handler;
        signal.addEventListener('abort', () => reject(new Error('This operation was aborted')), { once: true });
      }),
    emit(type, object) {
      assert.ok(onEvent !== undefined, 'a watch is open');
      onEvent({ type, object });
    },
  };
}

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('demo runtime (scripted pods)', { timeout: 30_000 }, () => {
  test('a process per Ready pod, with its env; stops on terminating/deleted; restarts after a crash; stop() ends all', async () => {
    const source = scriptedPods([pod('a', true, { ERROR_RATE: '1', VERSION: 'v1' }), pod('b', false)]);
    const runtime = await startDemoRuntime({ clients: {} as KubeClients, namespace: 'demo', podSource: source });
    try {
      const a = await waitFor('pod a listening', () => runtime.processes().find((p) => p.pod === 'a' && p.port !== undefined), { timeoutMs: 10_000 });
      assert.equal(runtime.processes().length, 1, 'pod b is not Ready: no process');
      assert.deepEqual(a.env, { ERROR_RATE: '1', VERSION: 'v1' });
      const res = await fetch(`http://127.0.0.1:${runtime.endpoint('a')?.port}/`);
      assert.equal(res.status, 500, 'ERROR_RATE 1 from the pod env');
      assert.equal(((await res.json()) as { version: string }).version, 'v1');

      source.emit('MODIFIED', pod('b', true));
      const b = await waitFor('pod b listening once Ready', () => runtime.processes().find((p) => p.pod === 'b' && p.port !== undefined), { timeoutMs: 10_000 });

      source.emit('MODIFIED', pod('a', true, { ERROR_RATE: '1', VERSION: 'v1' }, { deletionTimestamp: new Date().toISOString() }));
      await waitFor('pod a\'s process to stop when it terminates', () => runtime.endpoint('a') === undefined && !alive(a.pid), { timeoutMs: 10_000 });

      process.kill(b.pid as number, 'SIGKILL');
      const b2 = await waitFor('pod b restarted after its process died', () => runtime.processes().find((p) => p.pod === 'b' && p.port !== undefined && p.pid !== b.pid), { timeoutMs: 10_000 });

      source.emit('DELETED', pod('b', true));
      await waitFor('pod b\'s process to stop when it is deleted', () => runtime.endpoint('b') === undefined && !alive(b2.pid), { timeoutMs: 10_000 });
      assert.equal(runtime.processes().length, 0);

      source.emit('ADDED', pod('c', true));
      const c = await waitFor('pod c listening', () => runtime.processes().find((p) => p.pod === 'c' && p.port !== undefined), { timeoutMs: 10_000 });
      await runtime.stop();
      assert.ok(!alive(c.pid), 'stop() ends every process');
    } finally {
      await runtime.stop();
    }
  });
});
