// Schemas shared by the Rollout's spec and strategy: label selector, pod template, analysis refs.
// Field names and shapes are Argo Rollouts' (pkg/apis/rollouts/v1alpha1/types.go).
import { s, type Infer } from './schema.ts';

const stringMap = (description: string) => s.map(s.string(), { description });

export const labelSelectorRequirementSchema = s.object(
  {
    key: s.string({ description: 'The label key the requirement applies to.' }),
    operator: s.string({
      enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
      description: 'How the key relates to the values: In, NotIn, Exists or DoesNotExist.',
    }),
    values: s.array(s.string(), {
      description: 'Values for In and NotIn (non-empty); empty for Exists and DoesNotExist.',
    }),
  },
  { required: ['key', 'operator'] },
);

export const labelSelectorSchema = s.object(
  {
    matchLabels: stringMap('Labels a pod must carry, all of them.'),
    matchExpressions: s.array(labelSelectorRequirementSchema, { description: 'Requirements a pod must meet, all of them.' }),
  },
  {
    description:
      "Selects the Rollout's pods; must match the pod template's labels. Sluice adds the rollouts-pod-template-hash label to tell revisions apart.",
  },
);

/** Labels and annotations (Argo's PodTemplateMetadata). */
export const podTemplateMetadataSchema = s.object({
  labels: stringMap('Labels to add.'),
  annotations: stringMap('Annotations to add.'),
});

export const podTemplateSchema = s.object(
  {
    metadata: s.object(
      {
        labels: stringMap("The pods' labels; must satisfy spec.selector."),
        annotations: stringMap("The pods' annotations."),
      },
      { description: 'Labels and annotations of the pods (other metadata fields are dropped, as in Argo).' },
    ),
    spec: s.preserveUnknown({
      description: 'A core/v1 PodSpec, kept as written; validated when Sluice creates the ReplicaSet.',
    }),
  },
  { description: 'The pods to run: a core/v1 PodTemplateSpec. A change to it starts a new rollout.' },
);

export const analysisTemplateRefSchema = s.object({
  templateName: s.string({ description: 'Name of the AnalysisTemplate (or ClusterAnalysisTemplate).' }),
  clusterScope: s.boolean({ description: 'Look the name up among ClusterAnalysisTemplates.' }),
});

export const analysisArgSchema = s.object(
  {
    name: s.string({ description: 'Argument name, as the template declares it.' }),
    value: s.string({ description: 'The value; exclusive with valueFrom.' }),
    valueFrom: s.object(
      {
        podTemplateHashValue: s.string({ enum: ['Stable', 'Latest'], description: "The stable or the latest revision's pod-template-hash." }),
        fieldRef: s.object(
          { fieldPath: s.string({ description: "A field of the Rollout, e.g. metadata.name or metadata.labels['app']." }) },
          { required: ['fieldPath'] },
        ),
        secretKeyRef: s.object(
          { name: s.string({ description: 'Secret name (the Rollout\'s namespace).' }), key: s.string({ description: 'Key in the Secret.' }) },
          { required: ['name', 'key'], description: 'Read from a Secret at measurement time; never copied into status.' },
        ),
      },
      { maxProperties: 1, description: 'Where the value comes from: exactly one of podTemplateHashValue, fieldRef, secretKeyRef.' },
    ),
  },
  { required: ['name'] },
);

/** Argo's RolloutAnalysis: what step analysis and background analysis share. */
export const rolloutAnalysisFields = {
  templates: s.array(analysisTemplateRefSchema, { description: 'Templates combined into one AnalysisRun.' }),
  args: s.array(analysisArgSchema, { description: 'Arguments passed to the templates.' }),
  dryRun: s.array(s.object({ metricName: s.string() }, { required: ['metricName'] }), { description: 'Metrics evaluated in dry-run mode: recorded, never deciding.' }),
  measurementRetention: s.array(
    s.object({ metricName: s.string(), limit: s.integer({ format: 'int32', minimum: 1 }) }, { required: ['metricName', 'limit'] }),
    { description: 'Measurements kept per metric (default 10).' },
  ),
  analysisRunMetadata: s.describe(podTemplateMetadataSchema, 'Labels and annotations added to the AnalysisRuns.'),
};

export const rolloutAnalysisSchema = s.object(rolloutAnalysisFields);

export type LabelSelector = Infer<typeof labelSelectorSchema>;
export type LabelSelectorRequirement = Infer<typeof labelSelectorRequirementSchema>;
export type PodTemplateSpec = Infer<typeof podTemplateSchema>;
export type PodTemplateMetadata = Infer<typeof podTemplateMetadataSchema>;
export type AnalysisTemplateRef = Infer<typeof analysisTemplateRefSchema>;
export type AnalysisRunArgument = Infer<typeof analysisArgSchema>;
export type RolloutAnalysis = Infer<typeof rolloutAnalysisSchema>;
