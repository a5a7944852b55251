// Argo Rollouts fields Sluice accepts into the API (so nothing is pruned) but does not implement
// yet. Each present field is one problem naming it: the controller reports them as InvalidSpec
// instead of half-running a rollout the user wrote for Argo, and `kubectl sluice lint` lists them.
import { isSet, listAt, objectAt, type Loose, type SpecProblem } from './spec-problem.ts';

interface Unsupported {
  /** Path below `spec`. */
  readonly path: readonly string[];
  readonly message: string;
}

const removeIt = (field: string): string => `${field} is not supported by Sluice yet; remove it`;
const notIstio = (router: string): string =>
  `${router} is not supported by Sluice: Sluice routes traffic through Istio; use strategy.canary.trafficRouting.istio`;

const CANARY = ['strategy', 'canary'];
const ROUTING = [...CANARY, 'trafficRouting'];

const UNSUPPORTED: readonly Unsupported[] = [
  { path: ['strategy', 'blueGreen'], message: 'blueGreen is not supported by Sluice yet; use strategy.canary' },
  {
    path: ['workloadRef'],
    message: "workloadRef is not supported by Sluice yet; copy the workload's pod template into spec.template and remove workloadRef",
  },
  { path: ['rollbackWindow'], message: removeIt('rollbackWindow') },
  { path: [...CANARY, 'antiAffinity'], message: `${removeIt('antiAffinity')} (set affinity in the pod template instead)` },
  { path: [...CANARY, 'canaryMetadata'], message: removeIt('canaryMetadata') },
  { path: [...CANARY, 'stableMetadata'], message: removeIt('stableMetadata') },
  { path: [...CANARY, 'scaleDownDelayRevisionLimit'], message: removeIt('scaleDownDelayRevisionLimit') },
  { path: [...CANARY, 'minPodsPerReplicaSet'], message: removeIt('minPodsPerReplicaSet') },
  { path: [...CANARY, 'replicaProgressThreshold'], message: removeIt('replicaProgressThreshold') },
  { path: [...CANARY, 'pingPong'], message: 'pingPong is not supported by Sluice yet; use canaryService and stableService' },
  { path: [...ROUTING, 'nginx'], message: notIstio('NGINX routing (trafficRouting.nginx)') },
  { path: [...ROUTING, 'alb'], message: notIstio('ALB routing (trafficRouting.alb)') },
  { path: [...ROUTING, 'smi'], message: notIstio('SMI routing (trafficRouting.smi)') },
  { path: [...ROUTING, 'ambassador'], message: notIstio('Ambassador routing (trafficRouting.ambassador)') },
  { path: [...ROUTING, 'appMesh'], message: notIstio('App Mesh routing (trafficRouting.appMesh)') },
  { path: [...ROUTING, 'traefik'], message: notIstio('Traefik routing (trafficRouting.traefik)') },
  { path: [...ROUTING, 'apisix'], message: notIstio('APISIX routing (trafficRouting.apisix)') },
  { path: [...ROUTING, 'plugins'], message: notIstio('traffic router plugins (trafficRouting.plugins)') },
  { path: [...ROUTING, 'managedRoutes'], message: `${removeIt('managedRoutes')} (header and mirror routes arrive in a later release)` },
  { path: [...ROUTING, 'maxTrafficWeight'], message: `${removeIt('maxTrafficWeight')} (weights are percentages of 100)` },
  {
    path: [...ROUTING, 'istio', 'destinationRule', 'additionalSubsetNames'],
    message: `${removeIt('additionalSubsetNames')} (extra weighted subsets arrive in a later release)`,
  },
];

/** Step kinds Argo has and Sluice does not run yet. */
export const UNSUPPORTED_STEP_KINDS: Readonly<Record<string, string>> = {
  experiment: 'experiment steps are not supported by Sluice yet; remove this step',
  setHeaderRoute: 'setHeaderRoute steps are not supported by Sluice yet; remove this step',
  setMirrorRoute: 'setMirrorRoute steps are not supported by Sluice yet; remove this step',
  plugin: 'plugin steps are not supported by Sluice yet; remove this step',
};

/** One problem per Argo field in `spec` that Sluice does not implement yet. */
export function unsupportedFields(spec: unknown): SpecProblem[] {
  const problems = UNSUPPORTED.filter(({ path }) => isSetAt(spec, path)).map(({ path, message }) => ({
    field: ['spec', ...path].join('.'),
    message,
  }));
  const steps = listAt(objectAt(objectAt(objectAt(spec)?.strategy)?.canary)?.steps);
  steps.forEach((step, index) => {
    for (const [kind, message] of Object.entries(UNSUPPORTED_STEP_KINDS)) {
      if (isSet(objectAt(step), kind)) problems.push({ field: `spec.strategy.canary.steps[${index}].${kind}`, message });
    }
  });
  return problems;
}

function isSetAt(root: unknown, path: readonly string[]): boolean {
  let parent: Loose | undefined = objectAt(root);
  for (const name of path.slice(0, -1)) parent = objectAt(parent?.[name]);
  return isSet(parent, path.at(-1) ?? '');
}
