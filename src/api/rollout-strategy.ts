// The Rollout's strategy: canary steps, Istio traffic routing and the canary knobs, with Argo
// Rollouts' field names. Argo fields Sluice does not implement yet are still declared (as
// preserve-unknown objects, or with their real scalar type) so the API server keeps them as
// written instead of pruning them; validateRollout reports them by name.
import { podTemplateMetadataSchema, rolloutAnalysisFields, rolloutAnalysisSchema } from './rollout-common.ts';
import { s, type Infer } from './schema.ts';

const int32 = (description: string, minimum?: number) => s.integer({ format: 'int32', minimum, description });
const notYet = (what: string) => s.preserveUnknown({ description: `${what} Not supported by Sluice yet: kept as written, reported as InvalidSpec.` });

// A bare integer (seconds) or a Go duration: "30s", "5m", "1h30m", "1.5h", "250ms".
export const DURATION_PATTERN = String.raw`^\+?([0-9]+|(([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`;
// An integer, or a string of digits with an optional % (Argo reads "25" as 25% too; lint flags it).
export const INT_OR_PERCENT_PATTERN = '^[0-9]+%?$';

export const pauseSchema = s.object(
  {
    duration: s.intOrString({
      pattern: DURATION_PATTERN,
      minimum: 0,
      description: 'How long to pause: seconds (30) or a duration ("30s", "5m", "1h"). Without it the rollout waits for `kubectl sluice promote`.',
    }),
  },
  { description: 'Pause the rollout, for a duration or until promoted.' },
);

export const setCanaryScaleSchema = s.object(
  {
    weight: s.integer({ format: 'int32', minimum: 0, maximum: 100, description: 'Scale the canary to this percentage of spec.replicas.' }),
    replicas: int32('Scale the canary to this many pods.', 0),
    matchTrafficWeight: s.boolean({ description: 'Scale the canary with the traffic weight again (the default).' }),
  },
  { description: 'Scale the canary without changing traffic: exactly one of weight, replicas, matchTrafficWeight.' },
);

export const canaryStepSchema = s.object(
  {
    setWeight: s.integer({ format: 'int32', minimum: 0, maximum: 100, description: 'Send this percentage of traffic to the canary.' }),
    pause: pauseSchema,
    setCanaryScale: setCanaryScaleSchema,
    analysis: s.describe(rolloutAnalysisSchema, 'Run an AnalysisRun and wait for it: Successful → next step; Failed or Error → abort; Inconclusive → pause.'),
    experiment: notYet('Run an Experiment.'),
    setHeaderRoute: notYet('Route requests with matching headers to the canary.'),
    setMirrorRoute: notYet('Mirror matching requests to the canary.'),
    plugin: notYet('Run a step plugin.'),
  },
  {
    minProperties: 1,
    maxProperties: 1,
    description: 'One canary step: exactly one of setWeight, pause, setCanaryScale, analysis (experiment, setHeaderRoute, setMirrorRoute, plugin are not supported yet).',
  },
);

export const istioVirtualServiceSchema = s.object(
  {
    name: s.string({ description: 'The VirtualService: `name` in the Rollout\'s namespace, or `name.namespace`.' }),
    routes: s.array(s.string(), {
      description: 'Names of the HTTP routes whose weights Sluice sets; if omitted, the VirtualService must have exactly one HTTP route.',
    }),
    tlsRoutes: s.array(
      s.object({
        port: s.integer({ format: 'int64', description: 'Port of the TLS route to match.' }),
        sniHosts: s.array(s.string(), { description: 'The exact set of SNI hosts of the TLS route to match.' }),
      }),
      { description: 'TLS routes whose weights Sluice sets, matched by port and SNI hosts.' },
    ),
    tcpRoutes: s.array(
      s.object({ port: s.integer({ format: 'int64', description: 'Port of the TCP route to match.' }) }),
      { description: 'TCP routes whose weights Sluice sets, matched by port.' },
    ),
  },
  { required: ['name'], description: "A VirtualService of the user's whose route weights Sluice sets (only `route[].weight` changes)." },
);

export const istioDestinationRuleSchema = s.object(
  {
    name: s.string({ description: 'The DestinationRule.' }),
    canarySubsetName: s.string({ description: 'Subset labelled with the canary pod-template hash.' }),
    stableSubsetName: s.string({ description: 'Subset labelled with the stable pod-template hash.' }),
    additionalSubsetNames: s.array(s.string(), { description: 'Further subsets to label (not supported yet).' }),
  },
  { required: ['name', 'canarySubsetName', 'stableSubsetName'], description: 'Subset-level routing: Sluice labels the two subsets with the canary and stable pod-template hashes.' },
);

export const istioTrafficRoutingSchema = s.object(
  {
    virtualService: istioVirtualServiceSchema,
    virtualServices: s.array(istioVirtualServiceSchema, { description: 'Several VirtualServices (exclusive with virtualService).' }),
    destinationRule: istioDestinationRuleSchema,
  },
  { description: 'Istio routing: host-level (canaryService/stableService) through the named VirtualService(s).' },
);

export const trafficRoutingSchema = s.object(
  {
    istio: istioTrafficRoutingSchema,
    nginx: notYet('NGINX Ingress routing.'),
    alb: notYet('AWS ALB routing.'),
    smi: notYet('SMI TrafficSplit routing.'),
    ambassador: notYet('Ambassador routing.'),
    appMesh: notYet('AWS App Mesh routing.'),
    traefik: notYet('Traefik routing.'),
    apisix: notYet('Apache APISIX routing.'),
    plugins: notYet('Traffic router plugins.'),
    managedRoutes: s.array(s.object({ name: s.string() }, { required: ['name'] }), {
      description: 'Routes for setHeaderRoute/setMirrorRoute steps. Not supported by Sluice yet.',
    }),
    maxTrafficWeight: int32('Total weight (NGINX and plugins only). Not supported by Sluice yet.'),
  },
  { description: 'How traffic reaches the canary. Sluice routes through Istio.' },
);

export const canaryStrategySchema = s.object(
  {
    canaryService: s.string({ description: 'Service Sluice points at the canary pods (selector gets the canary pod-template hash).' }),
    stableService: s.string({ description: 'Service Sluice points at the stable pods; must differ from canaryService.' }),
    steps: s.array(canaryStepSchema, { description: 'The steps, in order; none means promote at once.' }),
    trafficRouting: trafficRoutingSchema,
    maxSurge: s.intOrString({
      pattern: INT_OR_PERCENT_PATTERN,
      minimum: 0,
      description: 'Pods allowed above spec.replicas during an update: a number or a percentage ("25%", the default).',
    }),
    maxUnavailable: s.intOrString({
      pattern: INT_OR_PERCENT_PATTERN,
      minimum: 0,
      description: 'Pods allowed to be unavailable during an update: a number or a percentage ("25%", the default). Not 0 together with maxSurge.',
    }),
    analysis: s.object(
      { ...rolloutAnalysisFields, startingStep: int32('Step index at which the background analysis starts.', 0) },
      { description: 'Background analysis from startingStep to the end of the update: Failed or Error → abort; Inconclusive → pause.' },
    ),
    scaleDownDelaySeconds: int32('Seconds before the previous stable ReplicaSet is scaled down after promotion (default 30).', 0),
    abortScaleDownDelaySeconds: int32('Seconds before the canary is scaled down after an abort (default 30; 0 keeps the canary pods).', 0),
    dynamicStableScale: s.boolean({ description: 'Scale the stable ReplicaSet down as traffic moves to the canary (excludes scaleDownDelaySeconds).' }),
    antiAffinity: notYet('Anti-affinity between canary and stable pods.'),
    canaryMetadata: s.describe(podTemplateMetadataSchema, 'Labels and annotations for canary pods. Not supported by Sluice yet.'),
    stableMetadata: s.describe(podTemplateMetadataSchema, 'Labels and annotations for stable pods. Not supported by Sluice yet.'),
    scaleDownDelayRevisionLimit: int32('Old ReplicaSets kept scaled up. Not supported by Sluice yet.'),
    minPodsPerReplicaSet: int32('Minimum pods per ReplicaSet. Not supported by Sluice yet.'),
    replicaProgressThreshold: notYet('How many canary pods must be ready before a step completes.'),
    pingPong: notYet('Ping-pong services (ALB).'),
  },
  { description: 'A canary update: traffic moves to the new pods step by step.' },
);

export const strategySchema = s.object(
  {
    canary: canaryStrategySchema,
    blueGreen: notYet('A blue-green update.'),
  },
  { description: 'How an update proceeds. Sluice runs canary updates.' },
);

export type RolloutPause = Infer<typeof pauseSchema>;
export type SetCanaryScale = Infer<typeof setCanaryScaleSchema>;
export type CanaryStep = Infer<typeof canaryStepSchema>;
export type IstioVirtualService = Infer<typeof istioVirtualServiceSchema>;
export type IstioDestinationRule = Infer<typeof istioDestinationRuleSchema>;
export type IstioTrafficRouting = Infer<typeof istioTrafficRoutingSchema>;
export type RolloutTrafficRouting = Infer<typeof trafficRoutingSchema>;
export type CanaryStrategy = Infer<typeof canaryStrategySchema>;
export type RolloutStrategy = Infer<typeof strategySchema>;
