// `sluice controller`: runs the rollout controller until SIGTERM/SIGINT.
//   --kubeconfig PATH      default: $KUBECONFIG, ~/.kube/config, or in-cluster
//   --namespace NS         watch one namespace (default: all)
//   --no-leader-elect      run without a Lease (one replica only!)
//   --lease-namespace NS   where the Lease lives (default: $POD_NAMESPACE, else --namespace, else sluice-system)
//   --metrics-addr ADDR    /metrics (Prometheus, docs/metrics.md), /healthz and /readyz on host:port (default 0.0.0.0:8090; "0" = off)
//   --workers N            concurrent reconciles (default 4)
//   --kube-api-qps N       client-side rate limit of API requests (default 150, burst --kube-api-burst 300; docs/adr/005)
//   --gitops-api-qps N     the sync engine's own limit (default 300, burst --gitops-api-burst 600; docs/adr/006)
//   --log-level LEVEL      pino level (default info)
//   --data-dir DIR         Git caches and checkouts of the sync engine (default $SLUICE_DATA_DIR, else <tmp>/sluice)
//   --no-gitops            do not run the Application (GitOps sync) controller
//   --default-service-account NAME  apply Applications that name none as this ServiceAccount of their namespace
//   --webhook-secret NS/NAME[:KEY]  serve POST /webhook/git, signed with the Secret's key (default `secret`)
//   --no-notifications     do not send notifications (docs/notifications.md)
//   --notifications-namespace NS  where the sluice-notifications ConfigMap and Secret live (default: the Lease's namespace)
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../kube/node-http.ts';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { makeClients, type KubeClients } from '../kube/api-clients.ts';
import { loadConnection } from '../kube/connection.ts';
import { DEFAULT_RATE_LIMIT, makeSpareCapacityLimiter, makeTokenBucket, type RateLimiter } from '../kube/rate-limiter.ts';
import { makeEventRecorder, type EventRecorder } from '../kube/events.ts';
import { runLeaderElection } from '../kube/lease.ts';
import { makeSharedInformers, type InformerFactory } from '../kube/shared-informers.ts';
import type { Logger } from '../kube/logger.ts';
import type { WorkQueue } from '../kube/workqueue.ts';
import { makeAnalysisRunController } from '../analysis/run-controller.ts';
import { makeApplicationController } from '../gitops/controller.ts';
import { handleWebhook, MAX_WEBHOOK_BODY, parseSecretRef, WEBHOOK_PATH, type WebhookDeps } from '../gitops/webhook.ts';
import { makeRolloutController } from '../rollout/controller.ts';
import { CONTROLLER_VERSION_ANNOTATION, LEASE_NAME } from '../api/names.ts';
import { version } from '../version.ts';
import { collectProcessMetrics, leader, notifications as notificationsSent } from '../metrics/registry.ts';
import { makeNotificationController } from '../notify/controller.ts';
import { scrape } from '../metrics/sources.ts';


export async function runController(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    allowNegative: true,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'leader-elect': { type: 'boolean', default: true },
      'lease-namespace': { type: 'string' },
      'metrics-addr': { type: 'string', default: '0.0.0.0:8090' },
      workers: { type: 'string', default: '4' },
      'kube-api-qps': { type: 'string', default: '150' },
      'kube-api-burst': { type: 'string', default: '300' },
      'gitops-api-qps': { type: 'string', default: '300' },
      'gitops-api-burst': { type: 'string', default: '600' },
      'log-level': { type: 'string', default: 'info' },
      'data-dir': { type: 'string' },
      gitops: { type: 'boolean', default: true },
      'default-service-account': { type: 'string' },
      'webhook-secret': { type: 'string' },
      notifications: { type: 'boolean', default: true },
      'notifications-namespace': { type: 'string' },
    },
  });
  const logger: Logger = pino({
    name: 'sluice',
    level: values['log-level'],
    // Never log credentials, wherever they turn up in a logged object.
    redact: ['*.headers.authorization', '*.authorization', '*.password', '*.token', '*.bearerToken'],
  });
  // Not client-node's KubeConfig: loading it costs ~85 MB of RSS (docs/adr/004).
  const connection = await loadConnection(values.kubeconfig);
  // Client-side rate limit (client-node has none); Argo Rollouts defaults to 40 qps / 80 burst.
  const clients = makeClients(connection, {
    qps: Number.parseFloat(values['kube-api-qps']) || DEFAULT_RATE_LIMIT.qps,
    burst: Number.parseInt(values['kube-api-burst'], 10) || DEFAULT_RATE_LIMIT.burst,
  });
  const identity = `${hostname()}-${process.pid}`;
  collectProcessMetrics(version);
  leader.set(0);
  const state = { ready: false };
  // Events are low priority: their own pace (10 qps) while the controllers have keys waiting in
  // their queues, the spare client-side capacity once they have been quiet for a second (so a
  // backlog drains in seconds), never delaying a reconcile (docs/adr/005, 008). The backlog holds
  // a wave of 1,000 rollouts' events (about 4 each) rather than dropping most of them.
  const queues: WorkQueue[] = [];
  const busy = (): boolean => queues.some((q) => q.metrics.depth > 0);
  const events = makeEventRecorder(makeClients(connection, { limiter: eventLimiter(clients, busy) }), { component: 'sluice-controller', host: identity, maxBacklog: EVENT_BACKLOG });
  // The sync engine's bursts (a dry run and an apply per object of a revision) get their own
  // budget, so a big sync neither waits behind the rollouts nor delays them (docs/adr/006).
  const gitopsClients = makeClients(connection, {
    qps: Number.parseFloat(values['gitops-api-qps']) || GITOPS_RATE_LIMIT.qps,
    burst: Number.parseInt(values['gitops-api-burst'], 10) || GITOPS_RATE_LIMIT.burst,
  });
  const leaseNamespace = leaseNamespaceOf(values);
  const controller = makeControllers({ clients, gitopsClients, events, logger, onSynced: () => (state.ready = true), values: { ...values, 'notifications-namespace': values['notifications-namespace'] ?? leaseNamespace } });
  queues.push(...controller.queues);
  const webhook = webhookDeps(values['webhook-secret'], clients, logger, values.namespace);
  const server = values['metrics-addr'] === '0' ? undefined : await serveHttp(values['metrics-addr'], state, webhook);
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  const lead = (): void => {
    logger.info({ identity }, 'leading: starting the controllers');
    leader.set(1);
    controller.run().catch((error: unknown) => fatal(logger, error));
  };
  let shuttingDown = false;
  const release = values['leader-elect']
    ? runLeaderElection(
        { clients, namespace: leaseNamespace, name: LEASE_NAME, identity, logger, annotations: { [CONTROLLER_VERSION_ANNOTATION]: version } },
        {
          onStartedLeading: lead,
          // Losing the lease while running means another process may lead: stop at once.
          onStoppedLeading: ({ lost, reason }) => {
            leader.set(0);
            return lost && !shuttingDown ? fatal(logger, new Error(`lost the leader lease: ${reason}`)) : controller.stop();
          },
        },
      )
    : (lead(), () => Promise.resolve());
  await stopped;
  shuttingDown = true;
  await shutdown(logger, controller, release, server);
}

function leaseNamespaceOf(values: { readonly 'lease-namespace'?: string | undefined; readonly namespace?: string | undefined }): string {
  return values['lease-namespace'] ?? process.env.POD_NAMESPACE ?? values.namespace ?? 'sluice-system';
}

interface ControllerValues {
  readonly namespace?: string | undefined;
  readonly workers: string;
  readonly 'data-dir'?: string | undefined;
  readonly gitops: boolean;
  readonly 'default-service-account'?: string | undefined;
  readonly notifications: boolean;
  readonly 'notifications-namespace': string;
}

/** The rollout, analysis and (unless --no-gitops) Application controllers, run and stopped together. */
const GITOPS_RATE_LIMIT = { qps: 300, burst: 600 };

function makeControllers(o: { clients: KubeClients; gitopsClients: KubeClients; events: EventRecorder; logger: Logger; onSynced: () => void; values: ControllerValues }): Runnable & { queues: WorkQueue[] } {
  const { clients, events, logger, values } = o;
  // Rollouts, AnalysisRuns and Applications are watched by several controllers: listed, watched
  // and cached once for the process.
  const informers = makeSharedInformers();
  const rollouts = makeRolloutController({
    informers,
    onSynced: o.onSynced,
    clients,
    events,
    logger,
    namespace: values.namespace,
    workers: Number.parseInt(values.workers, 10) || 4,
  });
  const analysis = makeAnalysisRunController({ clients, events, informers, logger: logger.child({ controller: 'analysis' }), namespace: values.namespace });
  const dataDir = values['data-dir'] ?? process.env.SLUICE_DATA_DIR ?? join(tmpdir(), 'sluice');
  const account = values['default-service-account'];
  const gitops = values.gitops
    ? makeApplicationController({ clients: o.gitopsClients, events, informers, logger, dataDir, ...(values.namespace === undefined ? {} : { namespace: values.namespace }), ...(account === undefined ? {} : { defaultServiceAccount: account }) })
    : undefined;
  const notify = values.notifications ? notifications({ clients, logger, informers }, values) : undefined;
  const present = <T>(...items: (T | undefined)[]): T[] => items.filter((i) => i !== undefined);
  const parts = present<Runnable>(rollouts, analysis, gitops, notify);
  return {
    queues: present(rollouts.queue, analysis.queue, gitops?.queue),
    run: async () => {
      await Promise.all(parts.map((p) => p.run()));
    },
    stop: async () => {
      await Promise.all(parts.map((p) => p.stop()));
    },
  };
}

/** Outbound notifications: their own informers and queue, never in a reconcile's way. */
function notifications({ clients, logger, informers }: { clients: KubeClients; logger: Logger; informers: InformerFactory }, values: ControllerValues): Runnable {
  return makeNotificationController({
    clients,
    informers,
    logger: logger.child({ controller: 'notifications' }),
    configNamespace: values['notifications-namespace'],
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    onDelivery: ({ service, trigger, result }) => notificationsSent.inc({ service, trigger, result }),
  });
}

interface Runnable {
  run(): Promise<void>;
  stop(): Promise<void>;
}

async function shutdown(logger: Logger, controller: Runnable, release: () => Promise<void> | void, server?: Server): Promise<void> {
  logger.info({}, 'shutting down');
  await controller.stop();
  await release();
  server?.close();
  logger.info({}, 'stopped');
}

function fatal(logger: Logger, error: unknown): never {
  logger.error({ err: error }, 'fatal: exiting so that a fresh process takes over');
  process.exit(1);
}

/** The webhook's dependencies when --webhook-secret is given (every replica serves it, leader or not). */
function webhookDeps(secret: string | undefined, clients: KubeClients, logger: Logger, namespace: string | undefined): WebhookDeps | undefined {
  if (secret === undefined) return undefined;
  const secretRef = parseSecretRef(secret);
  if (secretRef === undefined) {
    logger.error({ value: secret }, '--webhook-secret must be NAMESPACE/NAME or NAMESPACE/NAME:KEY');
    process.exit(2);
  }
  return { clients, logger: logger.child({ component: 'webhook' }), secretRef, now: Date.now, ...(namespace === undefined ? {} : { namespace }) };
}

async function serveHttp(address: string, state: { ready: boolean }, webhook: WebhookDeps | undefined): Promise<Server> {
  const [host, port] = address.includes(':') ? [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)] : ['0.0.0.0', address];
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200).end('ok\n');
    if (req.url === '/readyz') return void res.writeHead(state.ready ? 200 : 503).end(state.ready ? 'ok\n' : 'not leading or caches not synced\n');
    if (req.url === '/metrics') return void serveMetrics(res);
    if (webhook !== undefined && req.url === WEBHOOK_PATH) return void serveWebhook(webhook, req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number.parseInt(port ?? '8090', 10), host, resolve);
  });
  return server;
}

async function serveMetrics(res: ServerResponse): Promise<void> {
  try {
    const { contentType, body } = await scrape();
    res.writeHead(200, { 'content-type': contentType }).end(body);
  } catch (error) {
    res.writeHead(500).end(`metrics: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** Event writes waiting at most (client-go: 1,000): a wave of 1,000 rollouts records about 4,000. */
const EVENT_BACKLOG = 5000;

/** Events' own 10 qps, plus the controller's spare tokens above half its burst once its queues are quiet. */
function eventLimiter(clients: KubeClients, busy: () => boolean): RateLimiter {
  const shared = clients.limiter ?? makeTokenBucket(DEFAULT_RATE_LIMIT);
  return makeSpareCapacityLimiter({ own: makeTokenBucket({ qps: 10, burst: 50 }), shared, reserve: Math.ceil(shared.burst / 2), busy });
}

async function serveWebhook(deps: WebhookDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end('POST only\n');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_WEBHOOK_BODY) return void res.writeHead(413).end('payload too large\n');
    chunks.push(chunk);
  }
  try {
    const answer = await handleWebhook(deps, req.headers, Buffer.concat(chunks));
    res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
  } catch (error) {
    deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'webhook failed');
    res.writeHead(500).end('internal error\n');
  }
}
