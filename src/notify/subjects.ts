// The objects notifications are about, reduced to what planning needs (pure): which triggers
// hold, whose annotations hold the subscriptions (an AnalysisRun's are its owning Rollout's, as
// in Argo Rollouts), and what templates may name.
import { API_VERSION } from '../api/names.ts';
import type { KubeObject } from '../kube/object.ts';
import type { ObjectSummary, TemplateVars } from './messages.ts';
import { subscriptionsOf, type Subscription } from './subscriptions.ts';
import {
  analysisRunTriggers,
  applicationTriggers,
  rolloutTriggers,
  type AnalysisRunState,
  type ApplicationState,
  type RolloutState,
  type TriggerHit,
} from './triggers.ts';

export type SubjectKind = 'Rollout' | 'AnalysisRun' | 'Application';

export type StatusObject = KubeObject & { readonly status?: unknown };

export interface Subject {
  readonly kind: SubjectKind;
  readonly object: StatusObject;
  readonly hits: readonly TriggerHit[];
  readonly subscriptions: readonly Subscription[];
  readonly vars: TemplateVars;
}

export function rolloutSubject(rollout: StatusObject): Subject {
  return {
    kind: 'Rollout',
    object: rollout,
    hits: rolloutTriggers(rollout as RolloutState),
    subscriptions: subscriptionsOf(rollout.metadata.annotations),
    vars: { rollout },
  };
}

/** `owner` is the Rollout that controls the run, when it is known. */
export function analysisRunSubject(run: StatusObject, owner: StatusObject | undefined): Subject {
  return {
    kind: 'AnalysisRun',
    object: run,
    hits: analysisRunTriggers(run as AnalysisRunState),
    subscriptions: subscriptionsOf((owner ?? run).metadata.annotations),
    vars: { analysisRun: run, rollout: owner ?? {} },
  };
}

export function applicationSubject(app: StatusObject): Subject {
  return {
    kind: 'Application',
    object: app,
    hits: applicationTriggers(app as ApplicationState),
    subscriptions: subscriptionsOf(app.metadata.annotations),
    vars: { app },
  };
}

/** The controlling Rollout's name, from the run's owner references. */
export function ownerRolloutName(run: KubeObject): { readonly name: string; readonly uid: string } | undefined {
  const owner = run.metadata.ownerReferences?.find((o) => o.kind === 'Rollout' && o.apiVersion === API_VERSION);
  return owner === undefined ? undefined : { name: owner.name, uid: owner.uid };
}

export function summaryOf(object: KubeObject): ObjectSummary {
  const { namespace, name, uid } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, name, ...(namespace === undefined ? {} : { namespace }), ...(uid === undefined ? {} : { uid }) };
}
