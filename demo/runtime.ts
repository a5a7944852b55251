// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// The demo runtime: kwok's pods have no containers, so this plays the kubelet for the demo app.
// Every Ready pod matching the selector gets a local process (`node demo/app-server.ts`) whose
// environment is the pod's container env (literal `value`s: ERROR_RATE, LATENCY_MS, VERSION...),
// plus POD_NAME / POD_NAMESPACE and a free PORT. The process stops when the pod stops being Ready,
// starts terminating, or goes away. Pods are watched with src/kube's informer (no polling).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { KubeClients } from '../src/kube/api-clients.ts';
import { makeInformer, makeInformerFrom, type InformerHandlers, type InformerOptions } from '../src/kube/informer.ts';
import type { ListerWatcher } from '../src/kube/list-watch.ts';
import { silentLogger, type Logger } from '../src/kube/logger.ts';
import { isPodReady, type DemoPod } from './pods.ts';

export interface DemoRuntimeOptions {
  readonly clients: KubeClients;
  readonly namespace: string;
  /** Only these pods get a process, e.g. "app=web". Default: every pod of the namespace. */
  readonly labelSelector?: string;
  /** The container whose env is used (default: the first). */
  readonly container?: string;
  /** The script each pod runs (default demo/app-server.ts). */
  readonly appEntry?: string;
  readonly logger?: Logger;
  /** Called after a pod's process started listening or stopped (e.g. to print the story). */
  readonly onChange?: (event: RuntimeEvent) => void;
  /** Tests: pods from a scripted list/watch instead of the API server (`clients` is then unused). */
  readonly podSource?: ListerWatcher;
}

export interface RuntimeEvent {
  readonly type: 'started' | 'stopped';
  readonly pod: string;
  readonly port?: number;
  readonly pid?: number;
  readonly env?: Readonly<Record<string, string>>;
}

export interface PodProcess {
  readonly pod: string;
  readonly uid: string;
  readonly pid: number | undefined;
  /** undefined until the process has said which port it listens on. */
  readonly port: number | undefined;
  readonly env: Readonly<Record<string, string>>;
}

export interface DemoRuntime {
  /** Where the pod's process listens, once it listens; undefined for a pod without one. */
  endpoint(podName: string): { readonly port: number } | undefined;
  /** Every process the runtime runs now (listening or starting). */
  processes(): readonly PodProcess[];
  stop(): Promise<void>;
}

interface Running {
  readonly pod: string;
  readonly uid: string;
  readonly env: Readonly<Record<string, string>>;
  readonly child: ChildProcess;
  port: number | undefined;
  readonly exited: Promise<void>;
}

const APP_ENTRY = fileURLToPath(new URL('./app-server.ts', import.meta.url));
const RESPAWN_DELAY_MS = 500;
const STOP_GRACE_MS = 3000;

/** Resolves once the informer has listed the pods and their processes are spawned (not necessarily listening). */
export async function startDemoRuntime(options: DemoRuntimeOptions): Promise<DemoRuntime> {
  const log = (options.logger ?? silentLogger).child({ component: 'demo-runtime', namespace: options.namespace });
  const running = new Map<string, Running>();
  let stopped = false;

  const stopProcess = async (name: string): Promise<void> => {
    const entry = running.get(name);
    if (entry === undefined) return;
    running.delete(name);
    entry.child.kill('SIGTERM');
    // A process that ignores SIGTERM is killed, as the kubelet does after the grace period.
    const kill = setTimeout(() => entry.child.kill('SIGKILL'), STOP_GRACE_MS);
    await entry.exited;
    clearTimeout(kill);
    log.info({ pod: name, pid: entry.child.pid }, 'pod process stopped');
    options.onChange?.({ type: 'stopped', pod: name, pid: entry.child.pid });
  };

  const startProcess = (pod: DemoPod): void => {
    const name = pod.metadata.name;
    const env = podEnv(pod, options.container);
    const child = spawn(process.execPath, [options.appEntry ?? APP_ENTRY], {
      env: { ...env, PATH: process.env.PATH ?? '', PORT: '0', POD_NAME: name, POD_NAMESPACE: options.namespace, DEMO_EXIT_WITH_PARENT: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const entry: Running = { pod: name, uid: pod.metadata.uid ?? '', env, child, port: undefined, exited };
    running.set(name, entry);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      entry.port = portOf(line);
      log.info({ pod: name, pid: child.pid, port: entry.port }, 'pod process listening');
      options.onChange?.({ type: 'started', pod: name, port: entry.port, pid: child.pid, env });
    });
    void exited.then(() => onExit(entry));
  };

  /** A process that died on its own while its pod is still Ready is started again. */
  const onExit = (entry: Running): void => {
    if (running.get(entry.pod) !== entry) return; // stopped on purpose
    running.delete(entry.pod);
    log.warn({ pod: entry.pod, code: entry.child.exitCode }, 'pod process exited; restarting');
    setTimeout(() => {
      const pod = informer.get(`${options.namespace}/${entry.pod}`);
      if (!stopped && pod !== undefined) reconcile(pod);
    }, RESPAWN_DELAY_MS).unref();
  };

  const reconcile = (pod: DemoPod): void => {
    if (stopped) return;
    const name = pod.metadata.name;
    const current = running.get(name);
    const wanted = isPodReady(pod);
    if (current !== undefined && (!wanted || current.uid !== (pod.metadata.uid ?? ''))) {
      // A pod re-created under the same name gets a fresh process once the old one is gone.
      void stopProcess(name).then(() => {
        const latest = informer.get(`${options.namespace}/${name}`);
        if (latest !== undefined) reconcile(latest);
      });
    } else if (current === undefined && wanted) startProcess(pod);
  };

  const informerOptions: InformerOptions = {
    path: `/api/v1/namespaces/${options.namespace}/pods`,
    labelSelector: options.labelSelector,
    logger: options.logger ?? silentLogger,
  };
  const handlers: InformerHandlers<DemoPod> = {
    onAdd: reconcile,
    onUpdate: (_old, pod) => reconcile(pod),
    onDelete: (pod) => void stopProcess(pod.metadata.name),
  };
  const informer =
    options.podSource === undefined
      ? makeInformer<DemoPod>(options.clients, informerOptions, handlers)
      : makeInformerFrom<DemoPod>(options.podSource, informerOptions, handlers);
  await informer.start();

  return {
    endpoint(podName) {
      const port = running.get(podName)?.port;
      return port === undefined ? undefined : { port };
    },
    processes: () => [...running.values()].map((r) => ({ pod: r.pod, uid: r.uid, pid: r.child.pid, port: r.port, env: r.env })),
    async stop() {
      stopped = true;
      informer.stop();
      await Promise.all([...running.keys()].map(stopProcess));
    },
  };
}

/** The container's literal env values (valueFrom cannot be resolved without a kubelet). */
export function podEnv(pod: DemoPod, container?: string): Record<string, string> {
  const containers = pod.spec?.containers ?? [];
  const chosen = container === undefined ? containers[0] : containers.find((c) => c.name === container);
  const env: Record<string, string> = {};
  for (const e of chosen?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

function portOf(line: string): number | undefined {
  try {
    const port = (JSON.parse(line) as { listening?: { port?: unknown } }).listening?.port;
    return typeof port === 'number' ? port : undefined;
  } catch {
    return undefined;
  }
}
