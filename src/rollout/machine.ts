// The rollout state machine: pure XState v5. No I/O, no clock, no `after` timers — the time
// comes in the TICK event and every deadline lives in status, so a restarted controller
// rebuilds the same state from the Rollout's status and resumes where it stopped.
//
// Each reconcile feeds ONE `TICK { now, plan, observations, problems }` through the pure
// `transition()`. The machine routes through a transient `dispatch` state to the state the
// status and observations call for; each state updates status (assign) and enqueues named
// effects only where the cluster differs from what it wants (idle means idle).
// Operations arrive as status fields, as Argo's plugin writes them: promote clears
// pauseConditions (or bumps currentStepIndex), promoteFull, abort, retry (abort: false).
import { assign, enqueueActions, setup } from 'xstate';
import type { Effect } from './effects.ts';
import type { MachineContext, TickEvent } from './context.ts';
import * as analysis from './analysis-rules.ts';
import * as rules from './machine-rules.ts';
import { trackProgress } from './progress.ts';
import { restartStable } from './restart.ts';
import type { MachineStatus } from './status.ts';

export type { MachineContext, SpecProblem, TickEvent } from './context.ts';

type Step = (ctx: MachineContext) => rules.Outcome;

/** A rule as an XState action: enqueue its effects (named actions), assign its status. */
function apply(rule: Step) {
  return enqueueActions<MachineContext, TickEvent, undefined, TickEvent, never, Effect, never, never, never>(({ context, enqueue }) => {
    const outcome = rule(context);
    for (const effect of outcome.effects) enqueue(effect);
    enqueue.assign({ status: outcome.status });
  });
}

export const rolloutMachine = setup({
  types: {
    context: {} as MachineContext,
    events: {} as TickEvent,
    input: {} as MachineContext,
  },
  guards: {
    hasProblems: ({ context }) => context.problems.length > 0,
    hasNoStable: ({ context }) => context.status.stableRS === undefined,
    isNewRevision: ({ context }) => rules.isNewRevision(context),
    isStable: ({ context }) => context.plan?.podHash === context.status.stableRS,
    abortRequested: ({ context }) => context.status.abort === true,
    retryRequested: ({ context }) => context.status.abortedAt !== undefined,
    manuallyPaused: ({ context }) => context.plan?.paused === true,
    allStepsDone: ({ context }) => rules.allStepsDone(context),
    atPauseStep: ({ context }) => rules.currentStep(context)?.kind === 'pause',
    atAnalysisStep: ({ context }) => rules.currentStep(context)?.kind === 'analysis',
    analysisFailed: ({ context }) => rules.failedAnalysis(context) !== undefined,
    backgroundAcknowledged: ({ context }) => analysis.backgroundActive(context) && analysis.inconclusiveAcknowledged(context, 'Background'),
    stepAnalysisDone: ({ context }) => analysis.stepRunSucceeded(context) || analysis.inconclusiveAcknowledged(context, 'Step'),
    pauseEnded: ({ context }) => rules.pauseEnded(context),
    canaryReadyForStep: ({ context }) => rules.canaryReadyForStep(context),
    canaryFullyReady: ({ context }) => rules.canaryFullyReady(context),
  },
  actions: {
    // Effects: executed by the controller from transition()'s returned actions.
    ensureReplicaSet: (_, _params: unknown) => undefined,
    deleteReplicaSet: (_, _params: unknown) => undefined,
    deletePod: (_, _params: unknown) => undefined,
    scaleReplicaSet: (_, _params: unknown) => undefined,
    setScaleDownDeadline: (_, _params: unknown) => undefined,
    setServiceSelector: (_, _params: unknown) => undefined,
    setCanaryWeight: (_, _params: unknown) => undefined,
    recordEvent: (_, _params: unknown) => undefined,
    createAnalysisRun: (_, _params: unknown) => undefined,
    terminateAnalysisRun: (_, _params: unknown) => undefined,
    deleteAnalysisRun: (_, _params: unknown) => undefined,
    absorb: assign(({ event }) => ({ now: event.now, plan: event.plan, observations: event.observations, problems: event.problems })),
    markInvalid: apply(rules.markInvalid),
    initialize: apply(rules.initialize),
    startRevision: apply(rules.startRevision),
    holdStable: apply(rules.holdStable),
    holdAborted: apply(rules.holdAborted),
    retry: apply(rules.retry),
    holdManualPause: apply(rules.holdManualPause),
    shapeCanary: apply(rules.shapeCanary),
    completeStep: apply(rules.completeStep),
    enterPause: apply(rules.enterPause),
    endPause: apply(rules.endPause),
    promote: apply(rules.promote),
    trackProgress: apply(trackProgress),
    restartStable: apply(restartStable),
    abortForAnalysis: apply(rules.abortForFailedAnalysis),
    restartBackground: apply(analysis.restartBackground),
    backgroundAnalysis: apply(rules.backgroundAnalysis),
    stepAnalysis: apply(rules.stepAnalysis),
    completeAnalysisStep: apply(rules.completeAnalysisStep),
  },
}).createMachine({
  id: 'rollout',
  context: ({ input }) => input,
  initial: 'dispatch',
  on: { TICK: { target: '.dispatch', actions: 'absorb' } },
  states: {
    dispatch: {
      always: [
        { guard: 'hasProblems', target: 'invalid' },
        { guard: 'hasNoStable', target: 'initializing' },
        { guard: 'isNewRevision', target: 'dispatch', reenter: true, actions: 'startRevision' },
        { guard: 'isStable', target: 'healthy' },
        { guard: 'abortRequested', target: 'aborted' },
        { guard: 'retryRequested', target: 'dispatch', reenter: true, actions: 'retry' },
        { guard: 'analysisFailed', target: 'dispatch', reenter: true, actions: 'abortForAnalysis' },
        { guard: 'backgroundAcknowledged', target: 'dispatch', reenter: true, actions: 'restartBackground' },
        { guard: 'manuallyPaused', target: 'paused' },
        { guard: 'allStepsDone', target: 'completing' },
        { guard: 'atPauseStep', target: 'pauseStep' },
        { guard: 'atAnalysisStep', target: 'analysisStep' },
        { target: 'stepping' },
      ],
    },
    invalid: { entry: 'markInvalid' },
    initializing: { entry: 'initialize' },
    healthy: { entry: ['holdStable', 'restartStable'] },
    aborted: { entry: 'holdAborted' },
    paused: { entry: ['holdManualPause', 'trackProgress'] },
    completing: {
      entry: ['shapeCanary', 'backgroundAnalysis', 'trackProgress'],
      always: { guard: 'canaryFullyReady', target: 'dispatch', actions: 'promote' },
    },
    pauseStep: {
      entry: ['shapeCanary', 'backgroundAnalysis', 'enterPause', 'trackProgress'],
      always: { guard: 'pauseEnded', target: 'dispatch', actions: 'endPause' },
    },
    analysisStep: {
      entry: ['shapeCanary', 'backgroundAnalysis', 'stepAnalysis', 'trackProgress'],
      always: { guard: 'stepAnalysisDone', target: 'dispatch', actions: 'completeAnalysisStep' },
    },
    stepping: {
      entry: ['shapeCanary', 'backgroundAnalysis', 'trackProgress'],
      always: { guard: 'canaryReadyForStep', target: 'dispatch', actions: 'completeStep' },
    },
  },
});

/** The state a status stands for, for `rolloutMachine.resolveState` (informational: TICK re-dispatches). */
export function stateOf(status: MachineStatus): string {
  if (status.conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True')) return 'invalid';
  if (status.stableRS === undefined) return 'initializing';
  if (status.abort === true) return 'aborted';
  if (status.currentPodHash === status.stableRS) return 'healthy';
  if ((status.pauseConditions ?? []).length > 0) return 'pauseStep';
  return 'stepping';
}
