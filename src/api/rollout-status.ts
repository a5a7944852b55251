// The Rollout's status: the controller's only memory (STYLE.md). Every field is optional; the
// controller writes it through the status subresource. Names follow Argo Rollouts except where
// docs/rollout-spec.md says otherwise (observedGeneration is an integer; canary.setWeight and
// the Git revisions are Sluice's additions).
import { s, type Infer } from './schema.ts';

const dateTime = (description: string) => s.string({ format: 'date-time', description });
const int32 = (description: string) => s.integer({ format: 'int32', description });

export const ROLLOUT_PHASES = ['Healthy', 'Progressing', 'Paused', 'Degraded'] as const;

// Nested items have Argo's required fields (its Go fields without omitempty); every top-level
// status field is optional.
const weightDestinationSchema = s.object(
  {
    weight: int32('Percentage of traffic sent to this destination.'),
    serviceName: s.string({ description: 'The Service traffic is sent to.' }),
    podTemplateHash: s.string({ description: 'Pod-template hash of the pods behind it.' }),
  },
  { required: ['weight'] },
);

export const rolloutConditionSchema = s.object(
  {
    type: s.string({ description: 'InvalidSpec, Available, Progressing, ReplicaFailure, Paused, Completed or Healthy.' }),
    status: s.string({ enum: ['True', 'False', 'Unknown'] }),
    reason: s.string({ description: 'CamelCase reason, e.g. RolloutAborted, ProgressDeadlineExceeded.' }),
    message: s.string(),
    lastUpdateTime: dateTime('When the condition was last written.'),
    lastTransitionTime: dateTime('When status last changed.'),
  },
  { required: ['type', 'status', 'reason', 'message'] },
);

export const pauseConditionSchema = s.object(
  {
    reason: s.string({ description: 'CanaryPauseStep or InconclusiveAnalysisRun.' }),
    startTime: dateTime('When the pause began; a timed pause ends at startTime + duration.'),
  },
  { required: ['reason', 'startTime'] },
);

const analysisRunRefSchema = (description: string) =>
  s.object(
    {
      name: s.string({ description: 'The AnalysisRun.' }),
      status: s.string({ description: 'Its phase as last seen: Pending, Running, Successful, Failed, Error or Inconclusive.' }),
      message: s.string({ description: 'Why it ended as it did.' }),
    },
    { required: ['name'], description },
  );

export const rolloutStatusSchema = s.object(
  {
    phase: s.string({ enum: ROLLOUT_PHASES, description: 'Healthy, Progressing, Paused or Degraded.' }),
    message: s.string({ description: 'Why the rollout is in its phase.' }),
    observedGeneration: s.integer({ format: 'int64', description: 'metadata.generation this status describes (an integer; Argo writes a string).' }),
    currentPodHash: s.string({ description: 'Pod-template hash of spec.template.' }),
    currentStepHash: s.string({ description: 'Hash of the steps; a change restarts them.' }),
    currentStepIndex: int32('Index of the current step; equal to the number of steps once all are done.'),
    stableRS: s.string({ description: 'Pod-template hash of the stable ReplicaSet.' }),
    pauseConditions: s.array(pauseConditionSchema, { description: 'Why the controller paused; `promote` clears them.' }),
    controllerPause: s.boolean({ description: 'The controller paused the rollout (set with a pause condition).' }),
    abort: s.boolean({ description: 'Set by `kubectl sluice abort`; cleared by `retry`.' }),
    abortedAt: dateTime('When the controller carried out the abort.'),
    promoteFull: s.boolean({ description: 'Set by `promote --full`: skip the remaining steps.' }),
    restartedAt: dateTime('The last spec.restartAt the controller carried out.'),
    replicas: int32('Pods of this rollout (all revisions).'),
    updatedReplicas: int32('Pods of the current revision.'),
    readyReplicas: int32('Ready pods.'),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    selector: s.string({ description: 'spec.selector as a string, for the scale subresource (HPA).' }),
    conditions: s.array(rolloutConditionSchema, { description: 'Conditions, one per type.' }),
    canary: s.object(
      {
        setWeight: int32('The weight the current step asks for (the SetWeight column).'),
        weights: s.object(
          { canary: weightDestinationSchema, stable: weightDestinationSchema },
          { required: ['canary', 'stable'], description: 'The weights last written to the traffic router (the ActualWeight column).' },
        ),
        currentStepAnalysisRunStatus: analysisRunRefSchema('The AnalysisRun of the current analysis step.'),
        currentBackgroundAnalysisRunStatus: analysisRunRefSchema('The background AnalysisRun of the current update.'),
      },
      { description: 'State of the canary update.' },
    ),
    stableGitRevision: s.string({ description: 'Git commit of the stable revision, when synced from Git.' }),
    canaryGitRevision: s.string({ description: 'Git commit of the canary revision, when synced from Git.' }),
    rolledBackTo: s.object(
      {
        podTemplateHash: s.string({ description: 'The stable revision traffic went back to.' }),
        gitRevision: s.string({ description: 'Its Git commit, when synced from Git.' }),
      },
      { required: ['podTemplateHash'], description: 'Where an abort sent traffic back to.' },
    ),
  },
  { description: 'Written by the controller.' },
);

export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];
export type RolloutCondition = Infer<typeof rolloutConditionSchema>;
export type PauseCondition = Infer<typeof pauseConditionSchema>;
export type WeightDestination = Infer<typeof weightDestinationSchema>;
export type RolloutStatus = Infer<typeof rolloutStatusSchema>;
