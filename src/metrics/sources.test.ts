import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addAnalysisSource, addApplicationSource, addQueueSource, addRolloutSource, scrape, type RolloutSample } from './sources.ts';

const series = (body: string, name: string): string[] => body.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

const web: RolloutSample = {
  namespace: 'ns',
  rollout: 'web',
  strategy: 'canary',
  stableHash: 'aaa',
  canaryHash: 'bbb',
  stableService: 'web-stable',
  canaryService: 'web-canary',
  phase: 'Paused',
  setWeight: 10,
  actualWeight: 10,
  step: 1,
  steps: 2,
  replicas: [{ role: 'canary', state: 'ready', value: 1 }],
};

test('scrape: cache-backed series come from the sources at scrape time and go with them', async () => {
  let rollouts = [web];
  const removeRollouts = addRolloutSource(() => rollouts);
  const removeAnalysis = addAnalysisSource(() => [{ namespace: 'ns', rollout: 'web', phase: 'Running', metrics: [{ metric: 'success-rate', provider: 'prometheus', value: 0.97, success: 0.95, failure: undefined }] }]);
  const removeApps = addApplicationSource(() => [{ namespace: 'ns', application: 'shop', repo: 'https://git.example/shop.git', revision: 'abc123', sync: 'OutOfSync', health: 'Progressing' }]);
  const removeQueue = addQueueSource(() => ({ controller: 'rollouts', depth: 3, adds: 10, retries: 2, longestRunningMs: 1500 }));
  try {
    let { body } = await scrape();
    assert.deepEqual(series(body, 'sluice_rollout_phase'), [
      'sluice_rollout_phase{namespace="ns",rollout="web",phase="Healthy"} 0',
      'sluice_rollout_phase{namespace="ns",rollout="web",phase="Progressing"} 0',
      'sluice_rollout_phase{namespace="ns",rollout="web",phase="Paused"} 1',
      'sluice_rollout_phase{namespace="ns",rollout="web",phase="Degraded"} 0',
    ]);
    assert.deepEqual(series(body, 'sluice_rollout_info'), [
      'sluice_rollout_info{namespace="ns",rollout="web",strategy="canary",stable_hash="aaa",canary_hash="bbb",stable_service="web-stable",canary_service="web-canary"} 1',
    ]);
    assert.deepEqual(series(body, 'sluice_rollout_set_weight'), ['sluice_rollout_set_weight{namespace="ns",rollout="web"} 10']);
    assert.deepEqual(series(body, 'sluice_rollout_replicas'), ['sluice_rollout_replicas{namespace="ns",rollout="web",role="canary",state="ready"} 1']);
    assert.deepEqual(series(body, 'sluice_analysis_metric_value'), ['sluice_analysis_metric_value{namespace="ns",rollout="web",metric="success-rate",provider="prometheus"} 0.97']);
    // A condition with no simple threshold has no series (never a made-up 0).
    assert.deepEqual(series(body, 'sluice_analysis_metric_threshold'), ['sluice_analysis_metric_threshold{namespace="ns",rollout="web",metric="success-rate",provider="prometheus",condition="success"} 0.95']);
    assert.equal(series(body, 'sluice_analysis_run_phase').filter((l) => l.endsWith(' 1')).join(), 'sluice_analysis_run_phase{namespace="ns",rollout="web",phase="Running"} 1');
    assert.equal(series(body, 'sluice_application_sync_status').filter((l) => l.endsWith(' 1')).join(), 'sluice_application_sync_status{namespace="ns",application="shop",status="OutOfSync"} 1');
    assert.deepEqual(series(body, 'sluice_workqueue_retries_total'), ['sluice_workqueue_retries_total{controller="rollouts"} 2']);
    assert.deepEqual(series(body, 'sluice_workqueue_longest_running_seconds'), ['sluice_workqueue_longest_running_seconds{controller="rollouts"} 1.5']);
    // Deleted from the cache: its series are gone at the next scrape.
    rollouts = [];
    ({ body } = await scrape());
    assert.deepEqual(series(body, 'sluice_rollout_phase'), []);
  } finally {
    for (const remove of [removeRollouts, removeAnalysis, removeApps, removeQueue]) remove();
  }
  const { body } = await scrape();
  assert.deepEqual(series(body, 'sluice_workqueue_depth'), [], 'an unregistered source exports nothing');
});
