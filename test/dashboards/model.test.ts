// Static checks of the Grafana dashboards in dashboards/: Grafana's dashboard JSON model (top-level
// fields, panels on the 24-column grid, a Prometheus datasource variable everywhere), the metric
// contract (contract.ts: every name and label a query uses exists), superficially sound PromQL,
// and what each dashboard must show. No Grafana or Prometheus runs here; an end-to-end test can run
// every query through panelQueries()/substitute() from panels.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  annotationProblems,
  datasourceProblems,
  exprProblems,
  formattingProblems,
  layoutProblems,
  legendProblems,
  overlapProblems,
  paddingProblems,
  panelShapeProblems,
  queryProblems,
  targetProblems,
  thresholdProblems,
  topLevelProblems,
  unknownSluiceNames,
  variableProblems,
} from './checks.ts';
import { seriesContract, SLUICE_METRICS } from './contract.ts';
import {
  allPanels,
  DASHBOARDS_DIR,
  panelQueries,
  substitute,
  variableQueryAsPromQL,
  variables,
  type Dashboard,
  type Panel,
  type Variable,
} from './panels.ts';
import { promqlShape } from './promql.ts';

const DASHBOARDS = [
  { file: 'canary-analysis.json', uid: 'sluice-canary-analysis', title: 'Sluice / Canary analysis' },
  { file: 'controller.json', uid: 'sluice-controller', title: 'Sluice / Controller' },
] as const;

function read(file: string): { readonly text: string; readonly dashboard: Dashboard } {
  const text = readFileSync(join(DASHBOARDS_DIR, file), 'utf8');
  return { text, dashboard: JSON.parse(text) as Dashboard };
}

const canary = read('canary-analysis.json').dashboard;
const controller = read('controller.json').dashboard;

/** Panels of `type` (any type when undefined) with a target whose expr matches every pattern. */
function panelsQuerying(dashboard: Dashboard, type: string | undefined, ...patterns: RegExp[]): Panel[] {
  return allPanels(dashboard).filter(
    (p) => (type === undefined || p.type === type) && (p.targets ?? []).some((t) => patterns.every((re) => re.test(t.expr ?? ''))),
  );
}

function assertShows(dashboard: Dashboard, what: string, type: string | undefined, ...patterns: RegExp[]): void {
  assert.ok(panelsQuerying(dashboard, type, ...patterns).length > 0, `a ${type ?? ''} panel showing ${what} (${patterns.join(' ')})`);
}

function variable(dashboard: Dashboard, name: string): Variable {
  const found = variables(dashboard).find((v) => v.name === name);
  assert.ok(found !== undefined, `variable ${name}`);
  return found;
}

/** One made-up value per variable, as an end-to-end test would pick real ones. */
function sampleValues(dashboard: Dashboard): Record<string, string> {
  return Object.fromEntries(variables(dashboard).map((v) => [v.name ?? '', v.name === 'datasource' ? 'prometheus' : `sample-${v.name ?? ''}`]));
}

for (const { file, uid, title } of DASHBOARDS) {
  describe(`dashboards/${file}`, () => {
    const { text, dashboard } = read(file);

    test('has the top-level fields of Grafana\'s dashboard model', () => {
      assert.deepEqual(topLevelProblems(dashboard, { uid, title }), []);
    });

    test('every panel has an id, a core type, a title and a gridPos inside the 24 columns', () => {
      assert.deepEqual(panelShapeProblems(dashboard), []);
    });

    test('no panels overlap, and repeated panels have their band to themselves', () => {
      assert.deepEqual(layoutProblems(dashboard), []);
    });

    test('every datasource reference is the $datasource variable', () => {
      assert.deepEqual(datasourceProblems(dashboard), []);
    });

    test('every target has a refId and an expr', () => {
      assert.deepEqual(targetProblems(dashboard), []);
    });

    test('every variable used is defined (above the variable that uses it)', () => {
      assert.deepEqual(variableProblems(dashboard), []);
    });

    test('every query reads as PromQL over contract metrics and labels, with $__rate_interval windows', () => {
      assert.deepEqual(queryProblems(dashboard), []);
      assert.deepEqual(annotationProblems(dashboard), []);
    });

    test('legends and annotation texts name labels the query returns', () => {
      assert.deepEqual(legendProblems(dashboard), []);
    });

    test('names no sluice_* metric outside the contract, anywhere in the file', () => {
      assert.deepEqual(unknownSluiceNames(text), []);
    });

    test('pads nothing with or vector(...)', () => {
      assert.deepEqual(paddingProblems(text), []);
    });

    test('types no numeric threshold into a panel', () => {
      assert.deepEqual(thresholdProblems(dashboard), []);
    });

    test('is formatted as 2-space JSON', () => {
      assert.deepEqual(formattingProblems(text), []);
    });

    test('every query substitutes to plain PromQL once the variables have values', () => {
      const values = sampleValues(dashboard);
      for (const { panel, refId, expr } of panelQueries(dashboard)) {
        const substituted = substitute(expr, values, '2m');
        assert.doesNotMatch(substituted, /\$(?![0-9])/, `${panel} ${refId}: ${substituted}`);
      }
    });
  });
}

describe('Sluice / Canary analysis', () => {
  test('has the datasource, namespace, rollout, hidden Service and reporter variables', () => {
    assert.equal(variable(canary, 'datasource').type, 'datasource');
    const queries: Readonly<Record<string, string>> = {
      namespace: 'label_values(sluice_rollout_info, namespace)',
      rollout: 'label_values(sluice_rollout_info{namespace="$namespace"}, rollout)',
      canary_service: 'label_values(sluice_rollout_info{namespace="$namespace",rollout="$rollout"}, canary_service)',
      stable_service: 'label_values(sluice_rollout_info{namespace="$namespace",rollout="$rollout"}, stable_service)',
    };
    for (const [name, query] of Object.entries(queries)) {
      const v = variable(canary, name);
      assert.equal(v.type, 'query', name);
      assert.equal(v.definition, query, name);
    }
    assert.equal(variable(canary, 'canary_service').hide, 2, 'canary_service is hidden');
    assert.equal(variable(canary, 'stable_service').hide, 2, 'stable_service is hidden');
    const reporter = variable(canary, 'reporter');
    assert.equal(reporter.type, 'custom');
    assert.deepEqual(reporter.options?.map((o) => o.value), ['source', 'destination']);
    assert.equal(reporter.current?.value, 'source');
  });

  test('marks step changes with an annotation', () => {
    const steps = (canary.annotations?.list ?? []).filter((a) => /changes\(sluice_rollout_step\{/.test(a.target?.expr ?? ''));
    assert.equal(steps.length, 1);
    assert.equal(steps[0]?.enable, true);
  });

  test('shows weight, analysis, phase, traffic and the current state', () => {
    assertShows(canary, 'set and actual weight over time', 'timeseries', /sluice_rollout_set_weight/);
    assertShows(canary, 'the actual weight over time', 'timeseries', /sluice_rollout_actual_weight/);
    assertShows(canary, 'the step as a series', 'timeseries', /sluice_rollout_step\{/);
    assertShows(canary, 'each analysis metric value', 'timeseries', /sluice_analysis_metric_value/);
    assertShows(canary, 'each analysis metric threshold', 'timeseries', /sluice_analysis_metric_threshold/);
    assertShows(canary, 'the analysis run phase over time', 'state-timeline', /sluice_analysis_run_phase\{[^}]*\}\) == 1/);
    assertShows(canary, 'measurement outcomes', 'timeseries', /increase\(sluice_analysis_measurements_total/, /by \(metric, phase\)/);
    assertShows(canary, 'the rollout phase over time', 'state-timeline', /sluice_rollout_phase\{[^}]*\}\) == 1/);
    assertShows(canary, 'canary request rate', 'timeseries', /istio_requests_total\{[^}]*destination_service_name="\$canary_service"/);
    assertShows(canary, 'stable request rate', 'timeseries', /istio_requests_total\{[^}]*destination_service_name="\$stable_service"/);
    assertShows(canary, 'canary 5xx share', 'timeseries', /response_code=~"5\.\."[^}]*\}\[\$__rate_interval\]\) or 0 \*/, /\$canary_service/);
    assertShows(canary, 'canary p95 latency', 'timeseries', /histogram_quantile\(0\.95, .*istio_request_duration_milliseconds_bucket\{[^}]*\$canary_service/);
    assertShows(canary, 'stable p99 latency', 'timeseries', /histogram_quantile\(0\.99, .*istio_request_duration_milliseconds_bucket\{[^}]*\$stable_service/);
    assertShows(canary, 'the phase now', 'stat', /sluice_rollout_phase\{/);
    assertShows(canary, 'step x of y', 'stat', /sluice_rollout_steps\{/);
    assertShows(canary, 'the weight now', 'stat', /sluice_rollout_actual_weight\{/);
    assertShows(canary, 'stable and canary replicas', undefined, /sluice_rollout_replicas\{/, /role/);
  });

  test('every panel and Istio query stays on the selected rollout and reporter', () => {
    for (const { panel, refId, expr } of panelQueries(canary).filter((q) => q.kind === 'panel')) {
      for (const { metric, labels } of promqlShape(expr).selectors) {
        const needs = metric.startsWith('istio_') ? ['reporter', 'destination_service_namespace', 'destination_service_name'] : ['namespace', 'rollout'];
        for (const label of needs) assert.ok(labels.includes(label), `${panel} ${refId}: ${metric} is not narrowed by ${label}`);
      }
    }
  });

  test('compares each analysis value with the threshold it queries, one panel per metric', () => {
    const [panel] = panelsQuerying(canary, 'timeseries', /sluice_analysis_metric_threshold/);
    assert.equal(panel?.repeat, 'metric');
    assert.ok(panelsQuerying(canary, 'timeseries', /sluice_analysis_metric_value/).includes(panel));
    const metric = variable(canary, 'metric');
    assert.ok(metric.multi === true && metric.includeAll === true);
  });
});

describe('Sluice / Controller', () => {
  test('shows reconciles, queues, API use, GitOps, leadership and the process', () => {
    assertShows(controller, 'reconcile p50', 'timeseries', /histogram_quantile\(0\.5, sum by \(controller, le\) \(rate\(sluice_reconcile_duration_seconds_bucket/);
    assertShows(controller, 'reconcile p99', 'timeseries', /histogram_quantile\(0\.99, sum by \(controller, le\) \(rate\(sluice_reconcile_duration_seconds_bucket/);
    assertShows(controller, 'reconcile errors', 'timeseries', /sluice_reconcile_errors_total/);
    for (const queue of ['depth', 'adds_total', 'retries_total', 'longest_running_seconds']) {
      assertShows(controller, `work queue ${queue}`, 'timeseries', new RegExp(`sluice_workqueue_${queue}`), /controller/);
    }
    assertShows(controller, 'API latency by verb', 'timeseries', /sluice_kube_api_request_duration_seconds_bucket/, /by \(verb, le\)/);
    assertShows(controller, 'API requests by verb and code', 'timeseries', /sluice_kube_api_requests_total/, /by \(verb, code\)/);
    assertShows(controller, 'sync results', 'timeseries', /sluice_application_syncs_total/, /by \(result\)/);
    assertShows(controller, 'sync durations', 'timeseries', /sluice_application_sync_duration_seconds_bucket/);
    assertShows(controller, 'sync status', 'table', /sluice_application_sync_status/);
    assertShows(controller, 'health status', 'table', /sluice_application_health_status/);
    assertShows(controller, 'git fetch duration', 'timeseries', /sluice_git_fetch_duration_seconds_bucket/);
    assertShows(controller, 'git fetch errors', 'timeseries', /sluice_git_fetch_errors_total/);
    assertShows(controller, 'the leader', 'stat', /sluice_leader/);
    assertShows(controller, 'the build', 'stat', /sluice_build_info/);
    assertShows(controller, 'memory', 'timeseries', /process_resident_memory_bytes/);
    assertShows(controller, 'CPU', 'timeseries', /rate\(process_cpu_seconds_total/);
    assertShows(controller, 'event loop lag', 'timeseries', /nodejs_eventloop_lag_p99_seconds/);
  });

  test('process metrics are those of Sluice\'s own pods', () => {
    for (const p of panelsQuerying(controller, undefined, /\b(process|nodejs)_/)) {
      for (const t of p.targets ?? []) assert.match(t.expr ?? '', /and on \(job, instance\) sluice_build_info$/, p.title);
    }
  });
});

test('together the dashboards show every Sluice metric of the contract', () => {
  const used = new Set(
    [canary, controller].flatMap((d) => panelQueries(d).flatMap(({ expr }) => promqlShape(expr).selectors.map((s) => seriesContract(s.metric)?.metric))),
  );
  assert.deepEqual(Object.keys(SLUICE_METRICS).filter((name) => !used.has(name)), []);
});

describe('panels.ts', () => {
  test('substitute replaces every variable syntax and the interval, and leaves $1 alone', () => {
    const expr = 'label_replace(rate(x{a="$namespace",b="${rollout}",c="[[reporter]]",d="${rollout:regex}"}[$__rate_interval]), "y", "$1", "a", "(.*)")';
    assert.equal(
      substitute(expr, { namespace: 'ns', rollout: 'web', reporter: 'source' }),
      'label_replace(rate(x{a="ns",b="web",c="source",d="web"}[1m]), "y", "$1", "a", "(.*)")',
    );
    assert.equal(substitute('rate(x[$__rate_interval])', {}, '5m'), 'rate(x[5m])');
    assert.equal(substitute('rate(x[$__rate_interval])', { __rate_interval: '30s' }), 'rate(x[30s])');
  });

  test('substitute refuses to leave a variable without a value', () => {
    assert.throws(() => substitute('x{a="$namespace",b="$rollout"}', { namespace: 'ns' }), /\$rollout/);
  });

  test('a variable query becomes PromQL that returns the same label values', () => {
    assert.equal(
      variableQueryAsPromQL('label_values(sluice_rollout_info{namespace="$namespace"}, rollout)'),
      'group by (rollout) (sluice_rollout_info{namespace="$namespace"})',
    );
    assert.equal(variableQueryAsPromQL('query_result(up == 1)'), 'up == 1');
    assert.throws(() => variableQueryAsPromQL('metrics(sluice_.*)'));
  });

  test('panelQueries lists panel targets, variable queries and annotation queries', () => {
    const queries = panelQueries(canary);
    const targets = allPanels(canary).reduce((n, p) => n + (p.targets?.length ?? 0), 0);
    const queryVariables = variables(canary).filter((v) => v.type === 'query').length;
    const annotations = (canary.annotations?.list ?? []).filter((a) => a.builtIn !== 1).length;
    assert.equal(queries.length, targets + queryVariables + annotations);
    assert.ok(queries.some((q) => q.kind === 'variable' && q.panel === 'variable rollout' && q.expr.startsWith('group by (rollout) (')));
    assert.ok(queries.some((q) => q.kind === 'annotation' && q.expr.includes('changes(sluice_rollout_step')));
    assert.ok(queries.some((q) => q.kind === 'panel' && q.instant), 'stat panels run instant queries');
  });
});

describe('the checks catch', () => {
  test('an unknown sluice_* metric, a bare histogram and a label the metric lacks', () => {
    assert.deepEqual(exprProblems('sum(rate(sluice_rollout_weight_total{namespace="a"}[$__rate_interval]))'), ['unknown Sluice metric sluice_rollout_weight_total']);
    assert.deepEqual(exprProblems('sluice_reconcile_duration_seconds'), ['unknown Sluice metric sluice_reconcile_duration_seconds']);
    assert.deepEqual(exprProblems('sluice_rollout_phase{name="web"}'), ['sluice_rollout_phase has no label name']);
    assert.deepEqual(exprProblems('max by (name) (sluice_rollout_phase)'), ["label name is on none of the expression's metrics"]);
    assert.deepEqual(exprProblems('up'), ['metric up is not in the contract']);
    assert.deepEqual(unknownSluiceNames('"description": "see sluice_rollout_weights"'), ['unknown Sluice metric sluice_rollout_weights']);
  });

  test('unbalanced brackets, a stray variable, a fixed window and a quantile without le', () => {
    assert.match(exprProblems('sum(rate(sluice_leader[$__rate_interval])')[0] ?? '', /unclosed/);
    assert.match(exprProblems('sluice_leader{instance="a"]')[0] ?? '', /does not read/);
    assert.match(exprProblems('sluice_leader > $limit')[0] ?? '', /stray "\$"/);
    assert.deepEqual(exprProblems('rate(sluice_reconcile_errors_total[5m])'), ['window [5m] is not [$__rate_interval]']);
    assert.deepEqual(exprProblems('histogram_quantile(0.9, rate(sluice_reconcile_duration_seconds_bucket[$__rate_interval]))'), [
      'a _bucket series outside histogram_quantile(q, sum by (..., le) (...))',
    ]);
    assert.deepEqual(exprProblems('sum(rate(sluice_reconcile_errors_total{controller="rollouts"}[$__rate_interval]))'), []);
  });

  test('or vector(0) padding, overlapping panels and a typed-in threshold', () => {
    assert.equal(paddingProblems('"expr": "sum(x) or vector(0)"').length, 1);
    const panel = (id: number, x: number, y: number): Panel => ({ id, type: 'stat', title: `p${id}`, gridPos: { x, y, w: 12, h: 4 } });
    assert.equal(overlapProblems([panel(1, 0, 0), panel(2, 12, 0), panel(3, 6, 2)]).length, 2);
    const typed: Dashboard = { panels: [{ ...panel(1, 0, 0), fieldConfig: { defaults: { thresholds: { steps: [{ value: null }, { value: 0.99 }] } } } }] };
    assert.equal(thresholdProblems(typed).length, 1);
  });
});
