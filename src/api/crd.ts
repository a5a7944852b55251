// CustomResourceDefinitions built from the schemas in src/api, and their YAML as committed in
// crds/ (tools/gen-crds.ts writes and checks them; crd.test.ts fails when they are stale).
import { dump } from 'js-yaml';
import { GROUP, VERSION } from './names.ts';
import {
  ANALYSIS_RUN_KIND,
  ANALYSIS_TEMPLATE_KIND,
  analysisRunSchema,
  analysisTemplateSchema,
  CLUSTER_ANALYSIS_TEMPLATE_KIND,
  clusterAnalysisTemplateSchema,
} from './analysis.ts';
import { ROLLOUT_KIND, rolloutSchema } from './rollout.ts';
import { APPLICATION_KIND, applicationSchema } from './application.ts';
import { toOpenApi, type OpenApiSchema } from './schema-openapi.ts';
import type { ObjectNode } from './schema.ts';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** Everything about one kind that its CRD says. */
export interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  readonly schema: ObjectNode;
  readonly printerColumns: readonly PrinterColumn[];
  readonly scale?: ScaleSubresource;
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition as plain JSON (src/api may not import client-node). */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: OpenApiSchema };
      subresources: { status: Record<string, never>; scale?: ScaleSubresource };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

export const ROLLOUT_DEFINITION: KindDefinition = {
  kind: ROLLOUT_KIND,
  plural: 'rollouts',
  singular: 'rollout',
  // `ro` as in Argo; `sro` for clusters that run both (Argo's CRD also claims `ro`).
  shortNames: ['ro', 'sro'],
  // Not `all`: `kubectl get all` should not grow with every CRD (Argo's Rollout is not in it either).
  categories: ['sluice'],
  scope: 'Namespaced',
  schema: rolloutSchema,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Healthy, Progressing, Paused or Degraded' },
    { name: 'Step', type: 'integer', jsonPath: '.status.currentStepIndex', description: 'Index of the current canary step' },
    { name: 'SetWeight', type: 'integer', jsonPath: '.status.canary.setWeight', description: 'Canary weight the current step asks for' },
    { name: 'ActualWeight', type: 'integer', jsonPath: '.status.canary.weights.canary.weight', description: 'Canary weight last written to the VirtualService' },
    { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired pods' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready pods' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  // HPA and `kubectl scale` act on spec.replicas; status.selector is the pods' selector as a string.
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
};

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const ANALYSIS_TEMPLATE_DEFINITION: KindDefinition = {
  kind: ANALYSIS_TEMPLATE_KIND,
  plural: 'analysistemplates',
  singular: 'analysistemplate',
  shortNames: ['at', 'sat'],
  categories: ['sluice'],
  scope: 'Namespaced',
  schema: analysisTemplateSchema,
  printerColumns: [AGE],
};

export const CLUSTER_ANALYSIS_TEMPLATE_DEFINITION: KindDefinition = {
  kind: CLUSTER_ANALYSIS_TEMPLATE_KIND,
  plural: 'clusteranalysistemplates',
  singular: 'clusteranalysistemplate',
  shortNames: ['cat', 'scat'],
  categories: ['sluice'],
  scope: 'Cluster',
  schema: clusterAnalysisTemplateSchema,
  printerColumns: [AGE],
};

export const ANALYSIS_RUN_DEFINITION: KindDefinition = {
  kind: ANALYSIS_RUN_KIND,
  plural: 'analysisruns',
  singular: 'analysisrun',
  shortNames: ['ar', 'sar'],
  categories: ['sluice'],
  scope: 'Namespaced',
  schema: analysisRunSchema,
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Pending, Running, Successful, Failed, Error or Inconclusive' },
    { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
    AGE,
  ],
};

export const APPLICATION_DEFINITION: KindDefinition = {
  kind: APPLICATION_KIND,
  plural: 'applications',
  singular: 'application',
  // `app` as in Argo CD; `sapp` for clusters that run both.
  shortNames: ['sapp'],
  categories: ['sluice'],
  scope: 'Namespaced',
  schema: applicationSchema,
  printerColumns: [
    { name: 'Sync', type: 'string', jsonPath: '.status.sync.status', description: 'Synced, OutOfSync or Unknown' },
    { name: 'Health', type: 'string', jsonPath: '.status.health.status', description: 'The worst health of its objects' },
    { name: 'Revision', type: 'string', jsonPath: '.status.sync.revision', description: 'The commit last compared' },
    { name: 'Message', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].message", priority: 1 },
    AGE,
  ],
};

/** Every kind Sluice defines, in the order crds/ lists them. */
export const KIND_DEFINITIONS: readonly KindDefinition[] = [
  ROLLOUT_DEFINITION,
  ANALYSIS_TEMPLATE_DEFINITION,
  CLUSTER_ANALYSIS_TEMPLATE_DEFINITION,
  ANALYSIS_RUN_DEFINITION,
  APPLICATION_DEFINITION,
];

export function buildCrd(definition: KindDefinition): CustomResourceDefinition {
  const { kind, plural, singular, scale } = definition;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'sluice' } },
    spec: {
      group: GROUP,
      scope: definition.scope,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular,
        shortNames: [...definition.shortNames],
        categories: [...definition.categories],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: toOpenApi(definition.schema) },
          subresources: scale === undefined ? { status: {} } : { status: {}, scale },
          additionalPrinterColumns: [...definition.printerColumns],
        },
      ],
    },
  };
}

export function rolloutCrd(): CustomResourceDefinition {
  return buildCrd(ROLLOUT_DEFINITION);
}

export const GENERATED_HEADER = '# generated by tools/gen-crds.ts; do not edit (run: node tools/gen-crds.ts)\n';

/** The committed form: header comment, then YAML with every mapping's keys sorted (stable diffs). */
export function renderCrdYaml(crd: CustomResourceDefinition): string {
  return GENERATED_HEADER + dump(sortKeysDeep(crd), { lineWidth: -1, noRefs: true });
}

/** The file under crds/ a CRD is written to. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.metadata.name}.yaml`;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, sortKeysDeep(item)]));
}
