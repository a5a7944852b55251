// Semantic checks of spec.strategy.canary that a structural schema cannot express, after Argo
// Rollouts' pkg/apis/rollouts/validation (ValidateRolloutStrategyCanary) and Sluice's own limits
// (Istio host-level routing only). Values are read defensively: see spec-problem.ts.
import { parseDurationSeconds } from './duration.ts';
import { ROLLOUT_DEFAULTS } from './rollout-defaults.ts';
import { englishList, isSet, listAt, objectAt, setFields, type Loose, type SpecProblem } from './spec-problem.ts';

const CANARY = 'spec.strategy.canary';
const ROUTING = `${CANARY}.trafficRouting`;
const STEP_KINDS = ['setWeight', 'pause', 'setCanaryScale', 'analysis', 'experiment', 'setHeaderRoute', 'setMirrorRoute', 'plugin'];
const OTHER_ROUTERS = ['nginx', 'alb', 'smi', 'ambassador', 'appMesh', 'traefik', 'apisix', 'plugins'];
const PERCENT = /^\d+%$/;
const DIGITS = /^\d+$/;

export function canaryProblems(canary: Loose): SpecProblem[] {
  return [
    ...trafficRoutingProblems(objectAt(canary.trafficRouting)),
    ...serviceProblems(canary),
    ...scaleDownProblems(canary),
    ...surgeProblems(canary),
    ...listAt(canary.steps).flatMap((step, index) => stepProblems(step, `${CANARY}.steps[${index}]`)),
    ...analysisProblems(objectAt(canary.analysis), `${CANARY}.analysis`),
    ...backgroundStartProblems(canary),
  ];
}

function trafficRoutingProblems(routing: Loose | undefined): SpecProblem[] {
  const istio = objectAt(routing?.istio);
  if (istio === undefined) {
    // Another router is reported by unsupportedFields, which says to use Istio instead.
    if (setFields(routing, OTHER_ROUTERS).length > 0) return [];
    return [{ field: `${ROUTING}.istio`, message: 'Sluice routes traffic through Istio: set strategy.canary.trafficRouting.istio' }];
  }
  const virtualServices = setFields(istio, ['virtualService', 'virtualServices']);
  if (virtualServices.length === 2) {
    return [{ field: `${ROUTING}.istio.virtualServices`, message: 'set either virtualService or virtualServices, not both' }];
  }
  if (virtualServices.length === 0 || (virtualServices[0] === 'virtualServices' && listAt(istio.virtualServices).length === 0)) {
    return [{ field: `${ROUTING}.istio.virtualService`, message: 'Required value: name the VirtualService whose route weights Sluice sets' }];
  }
  return [];
}

/** Host-level routing needs two Services (Argo: requireCanaryStableServices); subset-level does not. */
function serviceProblems(canary: Loose): SpecProblem[] {
  const istio = objectAt(objectAt(canary.trafficRouting)?.istio);
  if (isSet(istio, 'destinationRule')) return [];
  const problems: SpecProblem[] = [];
  for (const field of ['canaryService', 'stableService']) {
    if (typeof canary[field] !== 'string' || canary[field] === '') {
      problems.push({
        field: `${CANARY}.${field}`,
        message: `Required value: host-level routing needs both canaryService and stableService (two Services for the same pods); set ${field}`,
      });
    }
  }
  if (problems.length === 0 && canary.canaryService === canary.stableService) {
    problems.push({
      field: `${CANARY}.stableService`,
      message: 'stableService must differ from canaryService: Sluice points each at a different revision',
    });
  }
  return problems;
}

function scaleDownProblems(canary: Loose): SpecProblem[] {
  if (canary.dynamicStableScale !== true || !isSet(canary, 'scaleDownDelaySeconds')) return [];
  return [
    {
      field: `${CANARY}.dynamicStableScale`,
      message: 'dynamicStableScale cannot be used with scaleDownDelaySeconds: remove one of them',
    },
  ];
}

function surgeProblems(canary: Loose): SpecProblem[] {
  const problems = ['maxSurge', 'maxUnavailable'].flatMap((field) => intOrPercentProblems(canary[field], `${CANARY}.${field}`));
  const maxSurge = canary.maxSurge ?? ROLLOUT_DEFAULTS.maxSurge;
  const maxUnavailable = canary.maxUnavailable ?? ROLLOUT_DEFAULTS.maxUnavailable;
  if (isZero(maxSurge) && isZero(maxUnavailable)) {
    problems.push({
      field: `${CANARY}.maxSurge`,
      message: 'maxSurge and maxUnavailable cannot both be 0: no pod could ever be replaced; raise one of them',
    });
  }
  return problems;
}

function intOrPercentProblems(value: unknown, field: string): SpecProblem[] {
  if (value === undefined || value === null || (Number.isInteger(value) && (value as number) >= 0)) return [];
  if (typeof value === 'string' && PERCENT.test(value)) return [];
  if (typeof value === 'string' && DIGITS.test(value)) {
    return [{ field, message: `"${value}" is ambiguous (Argo reads it as ${value}%): write ${value} for a number of pods or "${value}%" for a percentage` }];
  }
  return [{ field, message: `${JSON.stringify(value)} is neither a number of pods nor a percentage: write e.g. 1 or "25%"` }];
}

/** Argo reads any string as a percentage with its `%` removed, so "0", "0%" and 0 are all zero. */
function isZero(value: unknown): boolean {
  return value === 0 || (typeof value === 'string' && /^0+%?$/.test(value));
}

function stepProblems(stepValue: unknown, field: string): SpecProblem[] {
  const step = objectAt(stepValue);
  if (step === undefined) return [];
  const kinds = setFields(step, STEP_KINDS);
  if (kinds.length === 0) {
    return [{ field, message: 'a step needs exactly one of setWeight, pause or setCanaryScale' }];
  }
  const problems: SpecProblem[] = [];
  if (kinds.length > 1) {
    problems.push({ field, message: `a step has exactly one kind, this one has ${englishList(kinds)}: split it into separate steps` });
  }
  problems.push(...pauseProblems(objectAt(step.pause), `${field}.pause.duration`));
  problems.push(...canaryScaleProblems(step, `${field}.setCanaryScale`));
  problems.push(...analysisProblems(objectAt(step.analysis), `${field}.analysis`));
  return problems;
}

/** Step or background analysis: at least one template, and every argument with a value or a source. */
function analysisProblems(analysis: Loose | undefined, field: string): SpecProblem[] {
  if (analysis === undefined) return [];
  const problems: SpecProblem[] = [];
  const templates = listAt(analysis.templates);
  if (templates.length === 0) problems.push({ field: `${field}.templates`, message: 'Required value: name at least one AnalysisTemplate (templateName)' });
  templates.forEach((ref, index) => {
    const name = objectAt(ref)?.templateName;
    if (typeof name !== 'string' || name === '') problems.push({ field: `${field}.templates[${index}].templateName`, message: 'Required value: the AnalysisTemplate to run' });
  });
  listAt(analysis.args).forEach((argValue, index) => {
    const arg = objectAt(argValue);
    const sources = setFields(objectAt(arg?.valueFrom), ['podTemplateHashValue', 'fieldRef', 'secretKeyRef']);
    const hasValue = arg !== undefined && isSet(arg, 'value');
    if (hasValue && sources.length > 0) problems.push({ field: `${field}.args[${index}]`, message: 'set value or valueFrom, not both' });
    if (!hasValue && sources.length === 0) problems.push({ field: `${field}.args[${index}]`, message: 'set value or valueFrom (podTemplateHashValue, fieldRef or secretKeyRef)' });
  });
  return problems;
}

function backgroundStartProblems(canary: Loose): SpecProblem[] {
  const start = objectAt(canary.analysis)?.startingStep;
  const steps = listAt(canary.steps).length;
  if (typeof start !== 'number' || start <= steps) return [];
  return [{ field: `${CANARY}.analysis.startingStep`, message: `startingStep ${start} is beyond the ${steps} steps` }];
}

function pauseProblems(pause: Loose | undefined, field: string): SpecProblem[] {
  const duration = pause?.duration;
  if (duration === undefined || duration === null) return [];
  const valid = (typeof duration === 'string' || typeof duration === 'number') && parseDurationSeconds(duration) !== undefined;
  if (valid) return [];
  return [
    {
      field,
      message: `${JSON.stringify(duration)} is not a duration: use seconds (30) or a duration with a unit ("30s", "5m", "1h30m")`,
    },
  ];
}

function canaryScaleProblems(step: Loose, field: string): SpecProblem[] {
  const scale = objectAt(step.setCanaryScale);
  if (scale === undefined) return [];
  // matchTrafficWeight: false is Argo's zero value, the same as leaving it out.
  const chosen = [...setFields(scale, ['weight', 'replicas']), ...(scale.matchTrafficWeight === true ? ['matchTrafficWeight'] : [])];
  if (chosen.length === 1) return [];
  const found = chosen.length === 0 ? 'none' : englishList(chosen);
  return [{ field, message: `set exactly one of weight, replicas or matchTrafficWeight: true (found ${found})` }];
}
