// The Rollout controller: informers feed keys into a workqueue; reconcile(key) reads the Rollout
// and what it owns from the caches, asks the pure machine what to do (decide), runs the effects,
// writes status (only when it changed, guarded by resourceVersion) and requeues at the next
// deadline. Level-triggered: every reconcile starts from what is, not from what happened.
import { API_VERSION, POD_TEMPLATE_HASH_LABEL } from '../api/names.ts';
import type { KubeClients } from '../kube/client.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import type { EventRecorder } from '../kube/events.ts';
import type { Informer } from '../kube/informer.ts';
import { makeIndex, ownerUids } from '../kube/informer-index.ts';
import { unsharedInformers, type InformerFactory } from '../kube/shared-informers.ts';
import { podReadiness, serviceSelector, specOnly, withoutPodTemplate } from '../kube/transforms.ts';
import type { Logger } from '../kube/logger.ts';
import { cacheBehindWrite, keyOf, type KubeObject } from '../kube/object.ts';
import { makeWorkQueue, type ReconcileResult, type WorkQueue } from '../kube/workqueue.ts';
import type { DestinationRuleLike } from '../traffic/istio/destination-rule.ts';
import type { VirtualServiceLike } from '../traffic/istio/virtual-service.ts';
import type { AnalysisRunObject, AnalysisTemplateObject } from './analysis-observe.ts';
import { decide, type Decision } from './decide.ts';
import { execute } from './executor.ts';
import { observe, virtualServiceTargets, type ObjectCache, type Observed } from './observe.ts';
import type { RolloutPlan } from './plan.ts';
import { planFromRollout } from './plan-from-spec.ts';
import type { ReplicaSetObject, RolloutObject, ServiceObject } from './rollout-object.ts';
import { writeStatus } from './status-writer.ts';
import { analysisMetricsOf, outcomesOf, rolloutSample, type TemplateLookup } from './metrics-view.ts';
import { rolloutAborts, rolloutPromotions } from '../metrics/registry.ts';
import { addRolloutSource, type Unregister } from '../metrics/sources.ts';

const QUEUE_NAME = 'rollouts';

export interface RolloutControllerOptions {
  readonly clients: KubeClients;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /** Watch one namespace only; all namespaces when undefined. */
  readonly namespace?: string;
  readonly clock?: Clock;
  readonly workers?: number;
  /** Called once the informers' caches are synced, before the first reconcile. */
  readonly onSynced?: () => void;
  /** Informers shared with the process's other controllers (cli); each its own by default. */
  readonly informers?: InformerFactory;
}

export interface RolloutController {
  /** Starts informers, waits for their caches, then runs workers until stop(). */
  run(): Promise<void>;
  stop(): Promise<void>;
  readonly queue: WorkQueue;
}

type VirtualServiceObject = KubeObject & VirtualServiceLike;

const scope = (namespace: string | undefined): string => (namespace === undefined ? '' : `/namespaces/${namespace}`);

export function makeRolloutController(options: RolloutControllerOptions): RolloutController {
  const informerFactory = options.informers ?? unsharedInformers;
  const { clients, namespace } = options;
  const clock = options.clock ?? systemClock;
  const queue = makeWorkQueue({ clock, logger: options.logger, name: QUEUE_NAME });
  const enqueue = (object: KubeObject): void => queue.add(keyOf(object));
  const informerOptions = { clock, logger: options.logger };
  // Rollouts by the Services, VirtualServices and DestinationRules they name (what a change of
  // one of those wakes); ReplicaSets and AnalysisRuns by owner; pods by namespace and hash.
  const byReference = makeIndex<RolloutObject>(referenceKeys);
  const byOwner = makeIndex<ReplicaSetObject>(ownerUids);
  const runsByOwner = makeIndex<AnalysisRunObject>(ownerUids);
  const podsByHash = makeIndex<KubeObject>((pod) => [`${pod.metadata.namespace ?? ''}/${pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? ''}`]);
  const rollouts = informerFactory.informer<RolloutObject>(clients, { path: `/apis/${API_VERSION}${scope(namespace)}/rollouts`, ...informerOptions }, byReference.handlers({
    onAdd: enqueue,
    onUpdate: (_, o) => enqueue(o),
  }));
  const enqueueOwner = (rs: KubeObject): void => {
    const owner = rs.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === 'Rollout');
    if (owner !== undefined) queue.add(`${rs.metadata.namespace}/${owner.name}`);
  };
  // A pod of a Rollout (restartAt) wakes its Rollout: ReplicaSet `<rollout>-<hash>` owns it.
  const enqueuePodOwner = (pod: KubeObject): void => {
    const rs = pod.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === 'ReplicaSet');
    const hash = pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
    if (rs !== undefined && hash !== undefined && rs.name.endsWith(`-${hash}`)) queue.add(`${pod.metadata.namespace}/${rs.name.slice(0, -hash.length - 1)}`);
  };
  const replicaSets = informerFactory.informer<ReplicaSetObject>(
    clients,
    { path: `/apis/apps/v1${scope(namespace)}/replicasets`, labelSelector: POD_TEMPLATE_HASH_LABEL, transform: withoutPodTemplate, ...informerOptions },
    byOwner.handlers({ onAdd: enqueueOwner, onUpdate: (_, o) => enqueueOwner(o), onDelete: enqueueOwner }),
  );
  // A Service, VirtualService or DestinationRule change (drift, or one created after its
  // Rollout) wakes the Rollouts that name it (byReference).
  const enqueueReferrers = (kind: Referenced) => (object: KubeObject): void => {
    for (const rollout of byReference.get(referenceKey(kind, object.metadata.namespace, object.metadata.name))) enqueue(rollout);
  };
  const handlersFor = (kind: Referenced) => {
    const wake = enqueueReferrers(kind);
    return { onAdd: wake, onUpdate: (_: KubeObject, o: KubeObject) => wake(o), onDelete: wake };
  };
  const services = informerFactory.informer<ServiceObject>(clients, { path: `/api/v1${scope(namespace)}/services`, transform: serviceSelector, ...informerOptions }, handlersFor('service'));
  const virtualServices = informerFactory.informer<VirtualServiceObject>(
    clients,
    { path: `/apis/networking.istio.io/v1${scope(namespace)}/virtualservices`, transform: specOnly, ...informerOptions },
    handlersFor('vs'),
  );
  const destinationRules = informerFactory.informer<DestinationRuleLike>(
    clients,
    { path: `/apis/networking.istio.io/v1${scope(namespace)}/destinationrules`, transform: specOnly, ...informerOptions },
    handlersFor('dr'),
  );
  // Pods of Rollouts (by the hash label): read only to carry out spec.restartAt, so listed and
  // watched only from the first Rollout that asks for a restart. Watching them always would have
  // the API server encode, and this process parse and cache, every pod change of every Rollout
  // (about 4 per new pod) for a field most Rollouts never set (docs/adr/008).
  const pods = informerFactory.informer<KubeObject>(
    clients,
    { path: `/api/v1${scope(namespace)}/pods`, labelSelector: POD_TEMPLATE_HASH_LABEL, transform: podReadiness, ...informerOptions },
    podsByHash.handlers({ onDelete: enqueuePodOwner, onAdd: enqueuePodOwner }),
  );
  // AnalysisRuns wake their Rollout; a template change wakes the Rollouts that use analysis
  // (a template created after its Rollout ends the InvalidSpec "not found").
  const analysisRuns = informerFactory.informer<AnalysisRunObject>(
    clients,
    { path: `/apis/${API_VERSION}${scope(namespace)}/analysisruns`, ...informerOptions },
    runsByOwner.handlers({ onAdd: enqueueOwner, onUpdate: (_, o) => enqueueOwner(o), onDelete: enqueueOwner }),
  );
  const wakeAnalysisUsers = (template: KubeObject): void => {
    const ns = template.metadata.namespace;
    for (const rollout of rollouts.list(ns === undefined || ns === '' ? undefined : ns)) if (usesAnalysis(rollout)) enqueue(rollout);
  };
  const templateHandlers = { onAdd: wakeAnalysisUsers, onUpdate: (_: KubeObject, o: KubeObject) => wakeAnalysisUsers(o), onDelete: wakeAnalysisUsers };
  const analysisTemplates = informerFactory.informer<AnalysisTemplateObject>(clients, { path: `/apis/${API_VERSION}${scope(namespace)}/analysistemplates`, ...informerOptions }, templateHandlers);
  const clusterAnalysisTemplates = informerFactory.informer<AnalysisTemplateObject>(clients, { path: `/apis/${API_VERSION}/clusteranalysistemplates`, ...informerOptions }, templateHandlers);
  const cache: ObjectCache = {
    analysisRunsOf: (rollout) => runsByOwner.get(rollout.metadata.uid ?? ''),
    analysisTemplate: (ns, name) => analysisTemplates.get(`${ns}/${name}`),
    clusterAnalysisTemplate: (name) => clusterAnalysisTemplates.get(name),
    replicaSetsOf: (rollout) => byOwner.get(rollout.metadata.uid ?? ''),
    service: (ns, name) => services.get(`${ns}/${name}`),
    virtualService: (ns, name) => virtualServices.get(`${ns}/${name}`),
    destinationRule: (ns, name) => destinationRules.get(`${ns}/${name}`),
    podsWithHash: (ns, hash) => (pods.hasSynced() ? podsByHash.get(`${ns}/${hash}`) : undefined),
  };
  const informers: Informer<KubeObject>[] = [rollouts, replicaSets, services, virtualServices, destinationRules, analysisRuns, analysisTemplates, clusterAnalysisTemplates];
  const ownWrites = makeOwnWrites();
  let unregister: Unregister | undefined;
  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const rollout = ownWrites.latest(rollouts.get(key));
    if (rollout === undefined || rollout.metadata.deletionTimestamp !== undefined) return;
    // A restart reads the pods. The first Rollout that asks for one starts the pod informer and
    // is reconciled again once it has listed them; meanwhile its pods read as unknown (the restart
    // waits), never as none, and the rest of the Rollout goes on.
    if (rollout.spec.restartAt !== undefined && !pods.hasSynced()) {
      pods.start().then(() => queue.add(key), () => undefined);
    }
    return reconcileRollout({ ...options, clock }, cache, rollout, ownWrites);
  };
  return {
    queue,
    async run() {
      await Promise.all(informers.map((i) => i.start()));
      options.logger.info({ namespace: namespace ?? '(all)' }, 'rollout controller caches synced');
      options.onSynced?.();
      unregister = addRolloutSource(function* () {
        const templates: TemplateLookup = (ns, name, cluster) => (cluster ? cache.clusterAnalysisTemplate(name) : cache.analysisTemplate(ns, name));
        for (const rollout of rollouts.list()) yield rolloutSample(rollout, byOwner.get(rollout.metadata.uid ?? ''), analysisMetricsOf(rollout, templates));
      });
      await queue.run(options.workers ?? 4, reconcile);
    },
    async stop() {
      unregister?.();
      await queue.shutDown();
      for (const informer of [...informers, pods]) informer.stop();
    },
  };
}

/**
 * Read-your-own-writes for Rollout status. A reconcile queued right after a status write may
 * find the informer still holding the version it replaced; acting on that stale status would
 * undo the last step (e.g. point the stable Service back at the old pods until the cache
 * catches up). While the cache still shows the replaced resourceVersion, the written object
 * stands in for it.
 */
interface OwnWrites {
  latest(cached: RolloutObject | undefined): RolloutObject | undefined;
  wrote(before: RolloutObject, after: RolloutObject): void;
}

function makeOwnWrites(): OwnWrites {
  const written = new Map<string, { readonly replacedVersion: string | undefined; readonly object: RolloutObject }>();
  return {
    latest(cached) {
      if (cached === undefined) return undefined;
      const key = keyOf(cached);
      const entry = written.get(key);
      if (entry === undefined) return cached;
      if (cacheBehindWrite(cached.metadata.resourceVersion, entry.replacedVersion, entry.object.metadata.resourceVersion)) return entry.object;
      written.delete(key); // the cache has caught up (or moved past our write)
      return cached;
    },
    wrote(before, after) {
      written.set(keyOf(after), { replacedVersion: before.metadata.resourceVersion, object: after });
    },
  };
}

type Referenced = 'service' | 'vs' | 'dr';

function usesAnalysis(rollout: RolloutObject): boolean {
  const canary = rollout.spec.strategy?.canary;
  return canary?.analysis !== undefined || (canary?.steps ?? []).some((s) => s.analysis !== undefined);
}

const referenceKey = (kind: Referenced, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;

/** The index keys of what a Rollout names: a change of one of them, in its namespace, wakes it. */
function referenceKeys(rollout: RolloutObject): string[] {
  const canary = rollout.spec.strategy?.canary;
  const own = rollout.metadata.namespace;
  const named: [Referenced, string | undefined, string | undefined][] = [
    ['service', own, canary?.canaryService],
    ['service', own, canary?.stableService],
    // "name.namespace" names a VirtualService of another namespace: a change there wakes this one.
    ...virtualServiceTargets(rollout).map((t): [Referenced, string, string] => ['vs', t.namespace, t.name]),
    ['dr', own, canary?.trafficRouting?.istio?.destinationRule?.name.split('.')[0]],
  ];
  return named.flatMap(([kind, ns, name]) => (name === undefined || name === '' ? [] : [referenceKey(kind, ns, name)]));
}

let reconcileCounter = 0;

/** Aborts and promotions, counted once: when the status that carries them was written. */
function countOutcomes(rollout: RolloutObject, decision: Decision): void {
  const events = decision.effects.flatMap((e) => (e.type === 'recordEvent' ? [e.params] : []));
  if (events.length === 0) return;
  const { aborted, promoted } = outcomesOf(rollout.status ?? {}, decision.status, events);
  const labels = { namespace: rollout.metadata.namespace ?? '', rollout: rollout.metadata.name };
  if (aborted !== undefined) rolloutAborts.inc({ ...labels, reason: aborted });
  if (promoted !== undefined) rolloutPromotions.inc({ ...labels, reason: promoted });
}

interface Assessment {
  readonly plan: RolloutPlan | undefined;
  readonly observed: Observed | undefined;
  readonly decision: Decision;
}

/** Reads everything from the caches and asks the machine: no I/O. */
function assess(rollout: RolloutObject, cache: ObjectCache, now: number): Assessment {
  const planned = planFromRollout(rollout);
  if ('problems' in planned) {
    const decision = decide({ plan: undefined, status: rollout.status ?? {}, observations: { replicaSets: [] }, problems: planned.problems, now });
    return { plan: undefined, observed: undefined, decision };
  }
  const observed = observe(rollout, planned.plan, cache);
  const valid = observed.problems.length === 0;
  const decision = decide({
    plan: valid ? planned.plan : undefined,
    status: rollout.status ?? {},
    observations: observed.observations,
    problems: observed.problems,
    now,
  });
  return { plan: valid ? planned.plan : undefined, observed, decision };
}

async function reconcileRollout(
  options: RolloutControllerOptions & { clock: Clock },
  cache: ObjectCache,
  rollout: RolloutObject,
  ownWrites: OwnWrites,
): Promise<ReconcileResult> {
  const { plan, observed, decision } = assess(rollout, cache, options.clock.now());
  if (plan !== undefined && observed !== undefined) {
    const scope = { rollout, plan, virtualServices: observed.virtualServices, cachedVirtualService: (ns: string, name: string) => cache.virtualService(ns, name), analysis: observed.analysis };
    await execute(options, scope, decision.effects);
  } else {
    // An invalid spec changes nothing in the cluster: only its event is recorded.
    for (const effect of decision.effects) {
      if (effect.type === 'recordEvent') void options.events.record(rollout, effect.params.eventType, effect.params.reason, effect.params.message);
    }
  }
  const written = await writeStatus(options.clients, rollout, decision.status);
  if (written !== undefined) {
    ownWrites.wrote(rollout, written);
    countOutcomes(rollout, decision);
  }
  if (decision.effects.length > 0 || written !== undefined) {
    const logger = options.logger.child({ kind: 'Rollout', namespace: rollout.metadata.namespace, name: rollout.metadata.name, reconcileId: ++reconcileCounter });
    logger.info({ effects: decision.effects.map((e) => e.type), phase: decision.status.phase, step: decision.status.currentStepIndex }, 'reconciled');
  }
  return decision.requeueAfterMs === undefined ? undefined : { requeueAfterMs: decision.requeueAfterMs };
}
