// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// The mesh stand-in: no Istio data plane runs on the demo machine, so this HTTP proxy plays the
// ingress gateway. It routes each request by the LIVE VirtualService (watched, not polled): the
// http route whose match holds first, then a destination by weight (routing.ts); the destination
// host is a Service, whose selector picks the Ready pods, whose processes the demo runtime runs
// (round-robin among them). It exports Istio's request metrics on a separate /metrics port
// (mesh-metrics.ts) and counts what it routed where, so the demo can show the split it saw next
// to the weights the controller set.
//
// Failures, as Envoy flags them: no route → 404 "NR"; a Service that does not exist → 503 "NC";
// a Service with no Ready pod listening → 503 "UH"; a pod that refused the connection → 503 "UF".
// Retries, timeouts, subsets (DestinationRules) and mirroring are not modelled.
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KubeClients } from '../src/kube/api-clients.ts';
import { makeInformer, type Informer } from '../src/kube/informer.ts';
import { silentLogger, type Logger } from '../src/kube/logger.ts';
import type { KubeObject } from '../src/kube/object.ts';
import { IstioMetrics, type MeshDestination, type MeshSource, type Reporter } from './mesh-metrics.ts';
import { isPodReady, revisionOf, selects, workloadOf, type DemoPod, type DemoService, type VirtualService } from './pods.ts';
import { routeFor, serviceNameOf, virtualServiceFor, weightsOf, WeightedPicker, type RequestInfo } from './routing.ts';

/** What the mesh reads: the namespace's objects, from informers or (tests) from memory. */
export interface MeshWorld {
  virtualServices(): readonly VirtualService[];
  service(name: string): DemoService | undefined;
  pods(): readonly DemoPod[];
}

export interface MeshProxyOptions {
  readonly world: MeshWorld;
  readonly namespace: string;
  /** Where a pod's process listens (the demo runtime's endpoint()). */
  readonly endpoint: (podName: string) => { readonly port: number } | undefined;
  /** The VirtualService for requests whose Host matches none (default: the only one there is). */
  readonly virtualService?: string;
  /** The caller the metrics name (default: the ingress gateway in istio-system). */
  readonly source?: MeshSource;
  /** Proxy port (default any free one); metrics are served on `metricsPort` (default any free one). */
  readonly port?: number;
  readonly metricsPort?: number;
  readonly host?: string;
}

export interface DestinationCount {
  readonly requests: number;
  /** By response code, e.g. { "200": 95, "500": 5 }. */
  readonly byCode: Readonly<Record<string, number>>;
}

export interface MeshCounts {
  readonly total: number;
  /** By destination Service ("unknown" for requests no route matched). */
  readonly byService: Readonly<Record<string, DestinationCount>>;
  /** By the pods' canonical revision (app.kubernetes.io/version label; "latest" without one or without a pod). */
  readonly byRevision: Readonly<Record<string, DestinationCount>>;
}

type Counts = Map<string, { requests: number; byCode: Record<string, number> }>;

function recordCount(counts: Counts, key: string, code: number): void {
  const c = counts.get(key) ?? { requests: 0, byCode: {} };
  c.requests += 1;
  c.byCode[code] = (c.byCode[code] ?? 0) + 1;
  counts.set(key, c);
}

function snapshot(counts: Counts): Record<string, DestinationCount> {
  return Object.fromEntries([...counts].map(([k, c]) => [k, { requests: c.requests, byCode: { ...c.byCode } }]));
}

export interface LiveRoute {
  readonly virtualService: string;
  readonly route: string | undefined;
  readonly destinations: readonly { readonly service: string; readonly weight: number }[];
}

export interface Mesh {
  /** The proxy's base URL: send application traffic here. */
  readonly url: string;
  readonly port: number;
  /** The /metrics URL (Prometheus text format). */
  readonly metricsUrl: string;
  /** host:port of the metrics server, for a Prometheus scrape config. */
  readonly metricsTarget: string;
  /** Responses so far per destination Service, since the start or the last resetCounts(). */
  counts(): MeshCounts;
  resetCounts(): void;
  /** The http routes as the mesh sees them now (the watched VirtualServices). */
  liveRoutes(): readonly LiveRoute[];
  /** The exposition text a scrape would get now. */
  renderMetrics(): string;
  stop(): Promise<void>;
}

export type Decision =
  | { readonly kind: 'forward'; readonly destination: MeshDestination; readonly port: number; readonly pod: string }
  | { readonly kind: 'fail'; readonly destination: MeshDestination; readonly code: number; readonly flags: string };

const GATEWAY: MeshSource = { workload: 'istio-ingressgateway', namespace: 'istio-system' };

/** The routing half of the proxy, without I/O: one decision per request. */
export function makeRouter(options: Pick<MeshProxyOptions, 'world' | 'namespace' | 'endpoint' | 'virtualService'>): (request: RequestInfo) => Decision {
  const { world, namespace } = options;
  const picker = new WeightedPicker();
  const roundRobin = new Map<string, number>();
  const nowhere = (service: string, code: number, flags: string): Decision => ({
    kind: 'fail',
    code,
    flags,
    destination: { service, namespace, workload: 'unknown', revision: 'latest' },
  });
  return (request) => {
    const host = request.headers.host;
    const vs = virtualServiceFor(world.virtualServices(), typeof host === 'string' ? host : undefined, namespace, options.virtualService);
    const chosen = vs === undefined ? undefined : routeFor(vs, request);
    const destinations = chosen?.route.route ?? [];
    const index = chosen === undefined ? undefined : picker.pick(`${chosen.virtualService.metadata.uid ?? chosen.virtualService.metadata.name}/${chosen.index}`, weightsOf(destinations));
    const target = index === undefined ? undefined : destinations[index];
    if (target === undefined) return nowhere('unknown', 404, 'NR');
    const serviceName = serviceNameOf(target.destination.host, namespace) ?? target.destination.host;
    const service = world.service(serviceName);
    if (service === undefined) return nowhere(serviceName, 503, 'NC');
    const ready = world.pods().filter((p) => selects(service.spec?.selector, p.metadata.labels) && isPodReady(p) && options.endpoint(p.metadata.name) !== undefined);
    if (ready.length === 0) return nowhere(serviceName, 503, 'UH');
    const turn = roundRobin.get(serviceName) ?? 0;
    roundRobin.set(serviceName, turn + 1);
    const pod = ready[turn % ready.length] as DemoPod;
    const port = options.endpoint(pod.metadata.name)?.port as number;
    return { kind: 'forward', port, pod: pod.metadata.name, destination: { service: serviceName, namespace, workload: workloadOf(pod), revision: revisionOf(pod) } };
  };
}

/** The proxy over any MeshWorld (tests pass objects in memory; startMesh passes informers). */
export async function startMeshProxy(options: MeshProxyOptions): Promise<Mesh> {
  const route = makeRouter(options);
  const metrics = new IstioMetrics();
  const source = options.source ?? GATEWAY;
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let counts: Counts = new Map();
  let revisions: Counts = new Map();

  const finish = (decision: Decision, code: number, flags: string, startedMs: number): void => {
    recordCount(counts, decision.destination.service, code);
    recordCount(revisions, decision.destination.revision, code);
    const reached = decision.kind === 'forward' && flags === '-';
    const reporters: Reporter[] = reached ? ['source', 'destination'] : ['source'];
    metrics.record({ source, destination: decision.destination, code, flags, durationMs: performance.now() - startedMs, reporters });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const startedMs = performance.now();
    const decision = route({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers });
    if (decision.kind === 'fail') {
      req.resume();
      res.writeHead(decision.code, { 'content-type': 'text/plain', 'x-envoy-response-flags': decision.flags }).end(`${decision.flags}: ${decision.destination.service}\n`);
      return finish(decision, decision.code, decision.flags, startedMs);
    }
    let finished = false;
    const finishOnce = (code: number, flags: string): void => {
      if (!finished) finish(decision, code, flags, startedMs);
      finished = true;
    };
    const upstream = httpRequest({ host: '127.0.0.1', port: decision.port, method: req.method, path: req.url, headers: withoutHopByHop(req.headers), agent }, (answer) => {
      const code = answer.statusCode ?? 502;
      res.writeHead(code, { ...withoutHopByHop(answer.headers), 'x-demo-service': decision.destination.service, 'x-demo-pod': decision.pod });
      answer.pipe(res);
      answer.once('end', () => finishOnce(code, '-'));
    });
    upstream.once('error', () => {
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain', 'x-envoy-response-flags': 'UF' }).end(`UF: ${decision.pod}\n`);
      else res.destroy();
      finishOnce(503, 'UF');
    });
    req.pipe(upstream);
  };

  const server = await listen(createServer(handle), options.port ?? 0, options.host);
  const metricsServer = await listen(
    createServer((req, res) => {
      if (req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
    }),
    options.metricsPort ?? 0,
    options.host,
  );
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host}:${server.port}`,
    port: server.port,
    metricsUrl: `http://${host}:${metricsServer.port}/metrics`,
    metricsTarget: `${host}:${metricsServer.port}`,
    counts() {
      const byService = snapshot(counts);
      return { total: Object.values(byService).reduce((sum, c) => sum + c.requests, 0), byService, byRevision: snapshot(revisions) };
    },
    resetCounts() {
      counts = new Map();
      revisions = new Map();
    },
    liveRoutes: () => liveRoutesOf(options.world.virtualServices(), options.namespace),
    renderMetrics: () => metrics.render(),
    async stop() {
      await Promise.all([server.close(), metricsServer.close()]);
      agent.destroy();
    },
  };
}

export interface MeshOptions extends Omit<MeshProxyOptions, 'world'> {
  readonly clients: KubeClients;
  /** VirtualService API version (default networking.istio.io/v1). */
  readonly virtualServiceVersion?: string;
  readonly logger?: Logger;
}

/** The proxy over informers on the namespace's VirtualServices, Services and Pods; resolves once they have synced. */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const { clients, namespace } = options;
  const logger = options.logger ?? silentLogger;
  const watch = <T extends KubeObject>(path: string): Informer<T> => makeInformer<T>(clients, { path, logger }, {});
  const virtualServices = watch<VirtualService>(`/apis/networking.istio.io/${options.virtualServiceVersion ?? 'v1'}/namespaces/${namespace}/virtualservices`);
  const services = watch<DemoService>(`/api/v1/namespaces/${namespace}/services`);
  const pods = watch<DemoPod>(`/api/v1/namespaces/${namespace}/pods`);
  const informers = [virtualServices, services, pods];
  try {
    await Promise.all(informers.map((i) => i.start()));
  } catch (error) {
    informers.forEach((i) => i.stop());
    throw new Error(`the demo mesh could not watch namespace ${namespace}`, { cause: error });
  }
  const world: MeshWorld = {
    virtualServices: () => virtualServices.list(),
    service: (name) => services.get(`${namespace}/${name}`),
    pods: () => pods.list(),
  };
  const proxy = await startMeshProxy({ ...options, world });
  return {
    ...proxy,
    async stop() {
      informers.forEach((i) => i.stop());
      await proxy.stop();
    },
  };
}

function liveRoutesOf(all: readonly VirtualService[], namespace: string): LiveRoute[] {
  return all.flatMap((vs) =>
    (vs.spec?.http ?? []).map((r) => {
      const weights = weightsOf(r.route ?? []);
      return {
        virtualService: vs.metadata.name,
        route: r.name,
        destinations: (r.route ?? []).map((d, i) => ({ service: serviceNameOf(d.destination.host, namespace) ?? d.destination.host, weight: weights[i] ?? 0 })),
      };
    }),
  );
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** A proxy forwards end-to-end headers only; each side manages its own connection. */
function withoutHopByHop(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the demo mesh has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
