// Application (sluice.dev/v1alpha1): a Git source, a path and a sync policy, with Argo CD's field
// names where Argo CD and Flux agree (reference/gitops-engines.md). One schema → TS type, CRD,
// offline validation. The status is the inventory, the sync and health verdicts and the history.
import { API_VERSION } from './names.ts';
import { DURATION_PATTERN } from './rollout-strategy.ts';
import { s, type Infer } from './schema.ts';

export const APPLICATION_KIND = 'Application';

const duration = (description: string) => s.string({ pattern: DURATION_PATTERN, description });
const timestamp = (description: string) => s.string({ format: 'date-time', description });

export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Suspended', 'Degraded', 'Missing', 'Unknown'] as const;
/** What became of a synced revision's rollouts. */
export const REVISION_OUTCOMES = ['Healthy', 'Aborted'] as const;
export const OPERATION_PHASES = ['Running', 'Succeeded', 'Failed', 'Error'] as const;
/** The sync options Sluice understands (Argo CD's spelling). */
export const SYNC_OPTIONS = ['CreateNamespace=true', 'CreateNamespace=false', 'PruneLast=true', 'PruneLast=false'] as const;

/** Schemes the git source accepts (gitops/source validates the rest: no options, no userinfo). */
export const REPO_URL_PATTERN = '^(https?|ssh|git|file)://[^\\s]+$';

const kustomizeSchema = s.object(
  {
    images: s.array(s.string({ minLength: 1 }), { description: "Image overrides in Argo CD's form: name=newName:tag, name:tag or name@digest." }),
    namePrefix: s.string({ description: 'Prefix for every object name.' }),
    commonLabels: s.map(s.string(), { description: 'Labels added to every object and selector.' }),
  },
  { description: 'Kustomize options (Kustomize is used when the path holds a kustomization.yaml).' },
);

export const applicationSourceSchema = s.object(
  {
    repoURL: s.string({ pattern: REPO_URL_PATTERN, description: 'https://, ssh://, git:// or file:// URL of the repository. Credentials never go here: use credentialsSecretRef.' }),
    targetRevision: s.string({ description: 'Branch, tag or commit SHA (default HEAD: the default branch).' }),
    path: s.string({ description: 'Directory inside the repository (default the root).' }),
    kustomize: kustomizeSchema,
  },
  { required: ['repoURL'] },
);

const backoffSchema = s.object({
  duration: duration('First retry after this long (default 5s).'),
  factor: s.integer({ format: 'int64', minimum: 1, description: 'Each retry waits this many times longer (default 2).' }),
  maxDuration: duration('Longest wait between retries (default 3m).'),
});

export const syncPolicySchema = s.object({
  automated: s.object(
    {
      prune: s.boolean({ description: 'Delete objects that left Git (default false).' }),
      selfHeal: s.boolean({ description: 'Re-apply objects changed in the cluster (default false).' }),
    },
    { description: 'Sync every new revision on its own. Without it, changes are reported (OutOfSync) and applied only when a sync is requested.' },
  ),
  syncOptions: s.array(s.string({ enum: SYNC_OPTIONS }), { description: 'CreateNamespace=true, PruneLast=true.' }),
  retry: s.object(
    {
      limit: s.integer({ format: 'int64', minimum: -1, description: 'Retries of a failed sync (-1: forever; default 5).' }),
      backoff: backoffSchema,
    },
    { description: 'Retries of a failed sync of one revision.' },
  ),
  interval: duration('How often Git and the cluster are compared (default 1m).'),
  autoRevert: s.boolean({
    description: "Sluice's own (default false): when a commit's rollout is aborted, sync the last healthy revision instead until a newer commit arrives (status.autoRevert, condition AutoReverted).",
  }),
});

const ignoreDifferenceSchema = s.object(
  {
    group: s.string({ description: 'API group ("" or omitted for the core group).' }),
    kind: s.string({ minLength: 1 }),
    name: s.string({ description: 'Only this object (default every object of the kind).' }),
    namespace: s.string(),
    jsonPointers: s.array(s.string({ pattern: '^(/.*)?$' }), { minItems: 1, description: 'RFC 6901 pointers neither compared nor reverted; their live value is kept.' }),
  },
  { required: ['kind', 'jsonPointers'] },
);

export const applicationSpecSchema = s.object(
  {
    source: applicationSourceSchema,
    destination: s.object({ namespace: s.string({ description: 'Namespace for namespaced objects that name none.' }) }),
    syncPolicy: syncPolicySchema,
    ignoreDifferences: s.array(ignoreDifferenceSchema),
    suspend: s.boolean({ description: 'Stop syncing (the status still reports).' }),
    credentialsSecretRef: s.object(
      { name: s.string({ minLength: 1 }) },
      { required: ['name'], description: 'Secret in this namespace: username/password or token (https), sshPrivateKey and knownHosts (ssh).' },
    ),
    serviceAccountName: s.string({ description: 'Apply as this ServiceAccount of the namespace (impersonation): the Application can do only what it may.' }),
    dependsOn: s.array(s.object({ name: s.string({ minLength: 1 }) }, { required: ['name'] }), {
      description: 'Applications of this namespace that must be Healthy (or Suspended: a paused rollout) and Synced before this one syncs.',
    }),
  },
  { required: ['source'] },
);

const conditionSchema = s.object(
  {
    type: s.string(),
    status: s.string({ enum: ['True', 'False', 'Unknown'] }),
    reason: s.string(),
    message: s.string(),
    lastTransitionTime: timestamp('When the status last changed.'),
  },
  { required: ['type', 'status'] },
);

const healthSchema = s.object({ status: s.string({ enum: HEALTH_STATUSES }), message: s.string() });

const resourceStatusSchema = s.object(
  {
    group: s.string(),
    version: s.string(),
    kind: s.string(),
    namespace: s.string(),
    name: s.string(),
    status: s.string({ enum: SYNC_STATUSES }),
    health: healthSchema,
  },
  { required: ['kind', 'name'] },
);

const historySchema = s.object(
  {
    id: s.integer({ format: 'int64' }),
    revision: s.string(),
    deployedAt: timestamp('When the sync of this revision finished.'),
    result: s.string({ enum: ['Succeeded', 'Failed'] }),
    message: s.string(),
    health: s.string({ enum: HEALTH_STATUSES, description: 'The health the revision reached (updated until the next revision).' }),
    outcome: s.string({ enum: REVISION_OUTCOMES, description: 'Healthy once every object of the revision (its rollouts included) was Healthy; Aborted when a rollout of it was aborted.' }),
  },
  { required: ['revision', 'result'] },
);

export const applicationStatusSchema = s.object({
  observedGeneration: s.integer({ format: 'int64' }),
  sync: s.object({ status: s.string({ enum: SYNC_STATUSES }), revision: s.string({ description: 'The commit last compared with the cluster.' }) }),
  health: healthSchema,
  resources: s.array(resourceStatusSchema, { description: 'The inventory: every object applied from the current revision.' }),
  history: s.array(historySchema, { description: 'The last 10 syncs, newest last.' }),
  conditions: s.array(conditionSchema, { description: 'Ready, Reconciling and Stalled.' }),
  operationState: s.object({
    phase: s.string({ enum: OPERATION_PHASES }),
    message: s.string(),
    revision: s.string(),
    startedAt: timestamp('When the last sync started.'),
    finishedAt: timestamp('When it finished.'),
    retryCount: s.integer({ format: 'int64', minimum: 0 }),
    syncWave: s.integer({ format: 'int64', description: 'While Running: the sync wave (sluice.dev/sync-wave) being waited on.' }),
  }),
  lastHealthyRevision: s.string({ description: 'The newest commit whose objects, rollouts included, all became Healthy.' }),
  autoRevert: s.object(
    {
      revision: s.string({ description: 'The commit synced instead: the last healthy revision.' }),
      abortedRevision: s.string({ description: 'The commit whose rollout was aborted; a commit other than it ends the pin.' }),
      since: timestamp('When the pin began.'),
    },
    { required: ['revision', 'abortedRevision'], description: 'Set while spec.syncPolicy.autoRevert holds the Application on its last healthy revision.' },
  ),
  lastHandledReconcileAt: s.string({ description: 'The value of the sluice.dev/reconcile-requested-at annotation last acted on.' }),
});

export const applicationSchema = s.object(
  {
    apiVersion: s.string({ description: API_VERSION }),
    kind: s.string({ description: APPLICATION_KIND }),
    metadata: s.objectMeta(),
    spec: applicationSpecSchema,
    status: applicationStatusSchema,
  },
  { required: ['spec'], description: 'Manifests pulled from Git and kept applied (Argo CD Application / Flux Kustomization).' },
);

export type Application = Infer<typeof applicationSchema>;
export type ApplicationSpec = Infer<typeof applicationSpecSchema>;
export type ApplicationStatus = Infer<typeof applicationStatusSchema>;
export type ApplicationSource = Infer<typeof applicationSourceSchema>;
export type SyncPolicy = Infer<typeof syncPolicySchema>;
export type IgnoreDifference = Infer<typeof ignoreDifferenceSchema>;
export type ApplicationCondition = Infer<typeof conditionSchema>;
export type ResourceStatus = Infer<typeof resourceStatusSchema>;
export type HistoryEntry = Infer<typeof historySchema>;
export type HealthStatusName = (typeof HEALTH_STATUSES)[number];
export type SyncStatusName = (typeof SYNC_STATUSES)[number];
