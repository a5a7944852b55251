// AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun (sluice.dev/v1alpha1), with Argo
// Rollouts' field names (pkg/apis/rollouts/v1alpha1/analysis_types.go) so real-world templates
// work after changing only the apiVersion. One schema per kind → TS type, CRD, offline validation.
import { API_VERSION } from './names.ts';
import { DURATION_PATTERN } from './rollout-strategy.ts';
import { s, type Infer } from './schema.ts';

export const ANALYSIS_TEMPLATE_KIND = 'AnalysisTemplate';
export const CLUSTER_ANALYSIS_TEMPLATE_KIND = 'ClusterAnalysisTemplate';
export const ANALYSIS_RUN_KIND = 'AnalysisRun';

const duration = (description: string) => s.string({ pattern: DURATION_PATTERN, description });
// Argo's count and limits are IntOrString (a string so `{{args.x}}` can fill them in).
const intOrArg = (description: string) => s.intOrString({ minimum: -1, description });
const notSupported = (what: string) =>
  s.preserveUnknown({ description: `${what} Not supported by Sluice: kept as written; a metric using it is an Error measurement.` });

const keyValue = s.object(
  { key: s.string({ description: 'Header name.' }), value: s.string({ description: 'Header value (may use {{args.x}}).' }) },
  { required: ['key', 'value'] },
);

export const prometheusProviderSchema = s.object(
  {
    address: s.string({ description: 'Prometheus base URL, e.g. http://prometheus.istio-system:9090.' }),
    query: s.string({ description: 'PromQL instant query; {{args.x}} is escaped for where it stands (see docs/analysis.md).' }),
    timeout: s.intOrString({ description: 'Query timeout: seconds or a duration (default 30s).' }),
    insecure: s.boolean({ description: 'Skip TLS certificate verification.' }),
    headers: s.array(keyValue, { description: 'HTTP headers sent with the query (e.g. Authorization).' }),
    authentication: notSupported('sigv4 / oauth2 authentication.'),
    rangeQuery: notSupported('Range queries.'),
  },
  { required: ['query'], description: 'Query Prometheus: a scalar becomes a number, a vector a list of numbers (hence result[0]).' },
);

export const webProviderSchema = s.object(
  {
    url: s.string({ description: 'URL to call (may use {{args.x}}).' }),
    method: s.string({ enum: ['GET', 'POST', 'PUT'], description: 'HTTP method (default GET).' }),
    headers: s.array(keyValue, { description: 'HTTP headers.' }),
    body: s.string({ description: 'Request body (POST/PUT).' }),
    jsonBody: s.preserveUnknown({ description: 'Request body as JSON (POST/PUT); exclusive with body.' }),
    timeoutSeconds: s.integer({ format: 'int64', minimum: 1, description: 'Request timeout in seconds (default 10).' }),
    jsonPath: s.string({ description: 'JSONPath of the value to evaluate, e.g. {$.data.ok}; the whole body when omitted.' }),
    insecure: s.boolean({ description: 'Skip TLS certificate verification.' }),
    authentication: notSupported('OAuth2 authentication.'),
  },
  { required: ['url'], description: 'Call an HTTP endpoint returning JSON.' },
);

export const jobProviderSchema = s.object(
  {
    metadata: s.object(
      { labels: s.map(s.string()), annotations: s.map(s.string()) },
      { description: 'Labels and annotations of the Job.' },
    ),
    spec: s.preserveUnknown({ description: 'A batch/v1 JobSpec. The measurement is Successful when the Job succeeds, Failed when it fails.' }),
  },
  { required: ['spec'], description: 'Run a Kubernetes Job.' },
);

export const metricProviderSchema = s.object(
  {
    prometheus: prometheusProviderSchema,
    web: webProviderSchema,
    job: jobProviderSchema,
    datadog: notSupported('Datadog.'),
    newRelic: notSupported('New Relic.'),
    wavefront: notSupported('Wavefront.'),
    kayenta: notSupported('Kayenta.'),
    cloudWatch: notSupported('CloudWatch.'),
    graphite: notSupported('Graphite.'),
    influxdb: notSupported('InfluxDB.'),
    skywalking: notSupported('SkyWalking.'),
    plugin: notSupported('Metric provider plugins.'),
  },
  { minProperties: 1, maxProperties: 1, description: 'Where measurements come from: exactly one of prometheus, web, job.' },
);

export const EMPTY_RESULT_PHASES = ['Failed', 'Inconclusive', 'Successful'] as const;

export const metricSchema = s.object(
  {
    name: s.string({ minLength: 1, description: 'Metric name, unique within the run.' }),
    interval: duration('Time between measurements. Without it (and without count) one measurement is taken.'),
    initialDelay: duration('Wait this long after the run starts before the first measurement.'),
    count: intOrArg('Measurements to take (default: 1 without interval; unlimited with interval).'),
    successCondition: s.string({ description: 'Expression that must be true for a Successful measurement, e.g. result[0] >= 0.95.' }),
    failureCondition: s.string({ description: 'Expression that, when true, makes the measurement Failed.' }),
    failureLimit: intOrArg('Failed measurements tolerated before the metric fails (default 0; -1: never fail on failures).'),
    inconclusiveLimit: intOrArg('Inconclusive measurements tolerated (default 0).'),
    consecutiveErrorLimit: intOrArg('Consecutive Error measurements tolerated (default 4).'),
    consecutiveSuccessLimit: intOrArg('Consecutive Successful measurements that end the metric early (default 0: off).'),
    emptyResult: s.string({
      enum: EMPTY_RESULT_PHASES,
      description:
        "Sluice: what an empty result or NaN means, decided before any condition is evaluated. Unset: Argo's behaviour (conditions evaluated as written; indexing an empty result is an Error).",
    }),
    provider: metricProviderSchema,
  },
  { required: ['name', 'provider'], description: 'One metric: how to measure, how often, and what counts as success.' },
);

const secretKeyRef = s.object(
  { name: s.string({ description: 'Secret name (same namespace).' }), key: s.string({ description: 'Key in the Secret.' }) },
  { required: ['name', 'key'] },
);

export const argumentSchema = s.object(
  {
    name: s.string({ minLength: 1, description: 'Argument name, used as {{args.name}}.' }),
    value: s.string({ description: 'The value (a default in a template).' }),
    valueFrom: s.object(
      {
        secretKeyRef: s.describe(secretKeyRef, 'Read the value from a Secret at measurement time; it never reaches status, events or logs.'),
        fieldRef: s.object({ fieldPath: s.string() }, { required: ['fieldPath'], description: "A field of the Rollout, e.g. metadata.labels['app']." }),
        podTemplateHashValue: s.string({ enum: ['Stable', 'Latest'], description: 'The stable or the latest pod-template-hash (Rollout args only).' }),
      },
      { maxProperties: 1, description: 'Where the value comes from.' },
    ),
  },
  { required: ['name'] },
);

const metricNameRef = s.object({ metricName: s.string({ description: 'Metric name, or a regular expression, or "*".' }) }, { required: ['metricName'] });

export const analysisTemplateSpecSchema = s.object(
  {
    metrics: s.array(metricSchema, { minItems: 1, description: 'The metrics measured by a run of this template.' }),
    args: s.array(argumentSchema, { description: 'Arguments the metrics use as {{args.name}}.' }),
    dryRun: s.array(metricNameRef, { description: 'Metrics whose results are recorded but never decide the run.' }),
    measurementRetention: s.array(
      s.object({ metricName: s.string(), limit: s.integer({ format: 'int32', minimum: 1 }) }, { required: ['metricName', 'limit'] }),
      { description: 'Measurements kept per metric (default 10).' },
    ),
    templates: s.array(s.preserveUnknown(), {
      description: 'Template composition (templates[]). Not supported by Sluice: a Rollout naming a template that uses it is InvalidSpec.',
    }),
  },
  { required: ['metrics'] },
);

const templateKind = (kind: string, description: string) =>
  s.object(
    {
      apiVersion: s.string({ description: API_VERSION }),
      kind: s.string({ description: kind }),
      metadata: s.objectMeta(),
      spec: analysisTemplateSpecSchema,
    },
    { required: ['spec'], description },
  );

export const analysisTemplateSchema = templateKind(ANALYSIS_TEMPLATE_KIND, 'Reusable metric checks with arguments (Argo Rollouts compatible).');
export const clusterAnalysisTemplateSchema = templateKind(
  CLUSTER_ANALYSIS_TEMPLATE_KIND,
  'Cluster-wide reusable metric checks with arguments (Argo Rollouts compatible).',
);

export const MEASUREMENT_PHASES = ['Pending', 'Running', 'Successful', 'Failed', 'Inconclusive', 'Error'] as const;
export const ANALYSIS_PHASES = MEASUREMENT_PHASES;

const timestamp = (description: string) => s.string({ format: 'date-time', description });
const count = (description: string) => s.integer({ format: 'int32', minimum: 0, description });

export const measurementSchema = s.object(
  {
    phase: s.string({ enum: MEASUREMENT_PHASES }),
    message: s.string({ description: 'Why the measurement is Error (or what a Job reported).' }),
    startedAt: timestamp('When the measurement started.'),
    finishedAt: timestamp('When it finished.'),
    value: s.string({ description: 'The measured value as text.' }),
    metadata: s.map(s.string(), { description: 'Provider details, e.g. job-name.' }),
    resumeAt: timestamp('When a Running measurement (a Job) is looked at again.'),
  },
  { required: ['phase'] },
);

export const metricResultSchema = s.object(
  {
    name: s.string(),
    phase: s.string({ enum: ANALYSIS_PHASES }),
    message: s.string(),
    measurements: s.array(measurementSchema, { description: 'The latest measurements (10 unless measurementRetention says otherwise).' }),
    count: count('Measurements taken.'),
    successful: count('Successful measurements.'),
    failed: count('Failed measurements.'),
    inconclusive: count('Inconclusive measurements.'),
    error: count('Error measurements.'),
    consecutiveError: count('Error measurements in a row.'),
    consecutiveSuccess: count('Successful measurements in a row.'),
    dryRun: s.boolean({ description: 'Recorded only; never decides the run.' }),
    metadata: s.map(s.string()),
  },
  { required: ['name', 'phase'] },
);

const runSummary = s.object({
  count: count('Metrics.'),
  successful: count('Successful metrics.'),
  failed: count('Failed metrics.'),
  inconclusive: count('Inconclusive metrics.'),
  error: count('Errored metrics.'),
});

export const analysisRunSpecSchema = s.object(
  {
    metrics: s.array(metricSchema, { minItems: 1 }),
    args: s.array(argumentSchema, { description: 'Resolved arguments; secret ones stay references.' }),
    terminate: s.boolean({ description: 'Stop measuring; the run ends with the phase its metrics have.' }),
    dryRun: s.array(metricNameRef),
    measurementRetention: s.array(
      s.object({ metricName: s.string(), limit: s.integer({ format: 'int32', minimum: 1 }) }, { required: ['metricName', 'limit'] }),
    ),
    ttlStrategy: notSupported('TTL-based deletion (Sluice prunes runs by the Rollout\'s history limits).'),
  },
  { required: ['metrics'] },
);

export const analysisRunStatusSchema = s.object({
  phase: s.string({ enum: ANALYSIS_PHASES }),
  message: s.string(),
  startedAt: timestamp('When the run started (initialDelay counts from here).'),
  completedAt: timestamp('When the run reached its final phase.'),
  metricResults: s.array(metricResultSchema),
  runSummary,
  dryRunSummary: runSummary,
  observedGeneration: s.integer({ format: 'int64' }),
});

export const analysisRunSchema = s.object(
  {
    apiVersion: s.string({ description: API_VERSION }),
    kind: s.string({ description: ANALYSIS_RUN_KIND }),
    metadata: s.objectMeta(),
    spec: analysisRunSpecSchema,
    status: analysisRunStatusSchema,
  },
  { required: ['spec'], description: 'One execution of analysis templates; measurements in status (Argo Rollouts compatible).' },
);

export type AnalysisTemplate = Infer<typeof analysisTemplateSchema>;
export type AnalysisTemplateSpec = Infer<typeof analysisTemplateSpecSchema>;
export type Metric = Infer<typeof metricSchema>;
export type MetricProvider = Infer<typeof metricProviderSchema>;
export type PrometheusProvider = Infer<typeof prometheusProviderSchema>;
export type WebProvider = Infer<typeof webProviderSchema>;
export type JobProvider = Infer<typeof jobProviderSchema>;
export type Argument = Infer<typeof argumentSchema>;
export type AnalysisRun = Infer<typeof analysisRunSchema>;
export type AnalysisRunSpec = Infer<typeof analysisRunSpecSchema>;
export type AnalysisRunStatus = Infer<typeof analysisRunStatusSchema>;
export type MetricResult = Infer<typeof metricResultSchema>;
export type Measurement = Infer<typeof measurementSchema>;
export type AnalysisPhase = (typeof ANALYSIS_PHASES)[number];
export type EmptyResultPhase = (typeof EMPTY_RESULT_PHASES)[number];
