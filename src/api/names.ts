// Names Sluice writes onto objects. Where Argo Rollouts has a name for the same thing, Sluice
// uses Argo's (users migrate by changing apiVersion; dashboards and selectors keep working).
export const GROUP = 'sluice.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Label on ReplicaSets, their pods, and the canary/stable Service selectors (Argo's name). */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
/** Revision number of a ReplicaSet within its Rollout (Argo: rollout.argoproj.io/revision). */
export const REVISION_ANNOTATION = 'sluice.dev/revision';
/** Git commit an object was synced from; copied by the rollout controller onto its ReplicaSets. */
export const GIT_REVISION_ANNOTATION = 'sluice.dev/git-revision';
export const APPLICATION_ANNOTATION = 'sluice.dev/application';
/** On Services, VirtualServices and DestinationRules whose rollout-owned fields Sluice manages. */
export const MANAGED_BY_ROLLOUT_ANNOTATION = 'sluice.dev/managed-by-rollout';
/** When a scaled-down-later ReplicaSet may be scaled to zero (RFC 3339). */
export const SCALE_DOWN_DEADLINE_ANNOTATION = 'sluice.dev/scale-down-deadline';

/** AnalysisRun labels, as Argo's: which kind of analysis a run is, and for which step. */
export const ROLLOUT_TYPE_LABEL = 'rollout-type';
export const STEP_INDEX_LABEL = 'step-index';

/** Field managers: every write names one, so managedFields tells who owns what. */
export const ROLLOUT_FIELD_MANAGER = 'sluice-rollouts';
export const GITOPS_FIELD_MANAGER = 'sluice-gitops';

/** The controller's leader-election Lease (in its namespace, sluice-system by default). */
export const LEASE_NAME = 'sluice-controller';
/** On that Lease: the leading controller's version (`kubectl sluice version` reads it). */
export const CONTROLLER_VERSION_ANNOTATION = 'sluice.dev/controller-version';
/** On an Application: asks for an immediate reconcile (and, without `automated`, a sync): any new value. */
export const RECONCILE_ANNOTATION = 'sluice.dev/reconcile-requested-at';
