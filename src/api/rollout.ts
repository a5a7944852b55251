// The Rollout kind (sluice.dev/v1alpha1), modelled on Argo Rollouts' Rollout with the canary
// strategy: this schema is the single source of its TypeScript type, its CRD
// (crds/rollouts.sluice.dev.yaml, via crd.ts) and its offline validation (rollout-validate.ts).
// No defaults live in the schema: the stored spec stays as written; see rollout-defaults.ts.
import { API_VERSION } from './names.ts';
import { labelSelectorSchema, podTemplateSchema } from './rollout-common.ts';
import { rolloutStatusSchema } from './rollout-status.ts';
import { strategySchema } from './rollout-strategy.ts';
import { s, type Infer } from './schema.ts';

export const ROLLOUT_KIND = 'Rollout';
export const ROLLOUT_API_VERSION = API_VERSION;

const int32 = (description: string) => s.integer({ format: 'int32', minimum: 0, description });

export const rolloutSpecSchema = s.object(
  {
    replicas: int32('Desired pods (default 1).'),
    selector: labelSelectorSchema,
    template: podTemplateSchema,
    minReadySeconds: int32('Seconds a new pod must be ready before it counts as available (default 0).'),
    revisionHistoryLimit: int32('Old ReplicaSets kept for `undo` (default 10).'),
    paused: s.boolean({ description: 'Hold the rollout where it is (default false); `kubectl sluice pause`/`resume` set it.' }),
    progressDeadlineSeconds: int32('Seconds an update may go without progress before ProgressDeadlineExceeded (default 600).'),
    progressDeadlineAbort: s.boolean({ description: 'Abort the update when the progress deadline passes (default false).' }),
    restartAt: s.string({ format: 'date-time', description: 'Restart every pod created before this time (set by `kubectl sluice restart`).' }),
    analysis: s.object(
      {
        successfulRunHistoryLimit: int32('Successful AnalysisRuns kept (default 5).'),
        unsuccessfulRunHistoryLimit: int32('Failed, errored and inconclusive AnalysisRuns kept (default 5).'),
      },
      { description: 'How many AnalysisRuns to keep.' },
    ),
    strategy: strategySchema,
    workloadRef: s.preserveUnknown({
      description: 'Take the pod template from a Deployment. Not supported by Sluice yet: kept as written, reported as InvalidSpec.',
    }),
    rollbackWindow: s.preserveUnknown({
      description: 'Revisions within which a rollback skips the steps. Not supported by Sluice yet: kept as written, reported as InvalidSpec.',
    }),
  },
  { required: ['selector', 'template'], description: 'The desired state: pods, selector and update strategy.' },
);

export const rolloutSchema = s.object(
  {
    apiVersion: s.string({ description: `${API_VERSION}` }),
    kind: s.string({ description: ROLLOUT_KIND }),
    metadata: s.objectMeta(),
    spec: rolloutSpecSchema,
    status: rolloutStatusSchema,
  },
  {
    required: ['spec'],
    description: 'A Rollout runs a pod template and moves traffic to each new revision step by step (Argo Rollouts compatible).',
  },
);

export type Rollout = Infer<typeof rolloutSchema>;
export type RolloutSpec = Infer<typeof rolloutSpecSchema>;

export type {
  AnalysisRunArgument,
  AnalysisTemplateRef,
  LabelSelector,
  LabelSelectorRequirement,
  PodTemplateMetadata,
  PodTemplateSpec,
  RolloutAnalysis,
} from './rollout-common.ts';
export type {
  CanaryStep,
  CanaryStrategy,
  IstioDestinationRule,
  IstioTrafficRouting,
  IstioVirtualService,
  RolloutPause,
  RolloutStrategy,
  RolloutTrafficRouting,
  SetCanaryScale,
} from './rollout-strategy.ts';
export type { PauseCondition, RolloutCondition, RolloutPhase, RolloutStatus, WeightDestination } from './rollout-status.ts';
