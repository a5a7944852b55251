import assert from 'node:assert/strict';
import { test } from 'node:test';
import { age, renderList, renderRollout, type RolloutTree } from './render.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const meta = (name: string, created: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'shop', creationTimestamp: created, ...extra });

const tree: RolloutTree = {
  rollout: {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: meta('web', '2026-12-07T09:00:00Z', { uid: 'r1' }),
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'web:v2' }] } }, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { analysis: {} }] } } },
    status: { phase: 'Paused', message: 'paused at step 2', currentStepIndex: 1, currentPodHash: 'bbb', stableRS: 'aaa', replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, canary: { setWeight: 20, weights: { canary: { weight: 20 } } } },
  },
  replicaSets: [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('web-aaa', '2026-12-07T09:00:00Z', { labels: { 'rollouts-pod-template-hash': 'aaa' }, annotations: { 'sluice.dev/revision': '1', 'sluice.dev/git-revision': '0123456789abcdef' } }), spec: { replicas: 2, template: { spec: { containers: [{ image: 'web:v1' }] } } }, status: { readyReplicas: 2 } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('web-bbb', '2026-12-07T11:58:00Z', { labels: { 'rollouts-pod-template-hash': 'bbb' }, annotations: { 'sluice.dev/revision': '2' } }), spec: { replicas: 1, template: { spec: { containers: [{ image: 'web:v2' }] } } }, status: { readyReplicas: 0 } },
  ],
  pods: [
    { apiVersion: 'v1', kind: 'Pod', metadata: meta('web-aaa-2', '2026-12-07T09:00:05Z', { labels: { 'rollouts-pod-template-hash': 'aaa' } }), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
    { apiVersion: 'v1', kind: 'Pod', metadata: meta('web-aaa-1', '2026-12-07T09:00:04Z', { labels: { 'rollouts-pod-template-hash': 'aaa' } }), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ restartCount: 2 }] } },
    { apiVersion: 'v1', kind: 'Pod', metadata: meta('web-bbb-1', '2026-12-07T11:59:30Z', { labels: { 'rollouts-pod-template-hash': 'bbb' } }), status: { phase: 'Pending' } },
  ],
  analysisRuns: [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'AnalysisRun', metadata: meta('web-bbb-2-1', '2026-12-07T11:59:00Z'), status: { phase: 'Failed', metricResults: [{ successful: 2, failed: 1 }, { error: 1 }] } }],
  actualWeight: 20,
};

test('get rollout: header and tree, newest revision first, pods by name, stable order; no colour', () => {
  const expected = [
    'Name:            web',
    'Namespace:       shop',
    'Status:          ॥ Paused',
    'Message:         paused at step 2',
    'Strategy:        Canary',
    '  Step:          1/3',
    '  SetWeight:     20',
    '  ActualWeight:  20',
    'Images:          web:v1 (stable)',
    '                 web:v2 (canary)',
    'Replicas:',
    '  Desired:       2',
    '  Current:       3',
    '  Updated:       1',
    '  Ready:         3',
    '  Available:     3',
    '',
    'NAME                                        KIND          STATUS          AGE   INFO',
    '⟳ web                                       Rollout       ॥ Paused        3h',
    '├── # revision:2',
    '│   └──⧉ web-bbb                            ReplicaSet    ◌ Progressing   2m    canary',
    '│       └──□ web-bbb-1                      Pod           ◌ Pending       30s   ready:0/1',
    '├── # revision:1',
    '│   └──⧉ web-aaa                            ReplicaSet    ✔ Healthy       3h    stable,0123456',
    '│       ├──□ web-aaa-1                      Pod           ✔ Running       2h    ready:1/1,restarts:2',
    '│       └──□ web-aaa-2                      Pod           ✔ Running       2h    ready:1/1',
    '└──α web-bbb-2-1                            AnalysisRun   ✖ Failed        60s   ✔ 2,✖ 1,⚠ 1',
    '',
  ].join('\n');
  assert.equal(renderRollout(tree, { now: NOW, color: false }), expected);
});

test('colour only when asked: the same text with ANSI codes around phases', () => {
  const coloured = renderRollout(tree, { now: NOW, color: true });
  assert.match(coloured, /\u001b\[36m॥ Paused\u001b\[0m/u);
  assert.equal(coloured.replace(/\u001b\[[0-9;]*m/gu, ''), renderRollout(tree, { now: NOW, color: false }), 'colour adds codes, never columns');
});

test('list rollouts: sorted by namespace and name, aligned columns', () => {
  const other = { ...tree.rollout, metadata: { ...tree.rollout.metadata, name: 'api', namespace: 'admin' }, status: { phase: 'Healthy', currentStepIndex: 3, currentPodHash: 'x', stableRS: 'x', canary: { setWeight: 100 } } };
  const text = renderList([{ rollout: tree.rollout, actualWeight: 20 }, { rollout: other }], { now: NOW, color: false, allNamespaces: true });
  assert.equal(
    text,
    [
      'NAMESPACE   NAME   STATUS    STEP   SET-WEIGHT   ACTUAL-WEIGHT   AGE',
      'admin       api    Healthy   3/3    100          0               3h',
      'shop        web    Paused    1/3    20           20              3h',
      '',
    ].join('\n'),
  );
});

test('ages as kubectl prints them', () => {
  assert.deepEqual(['2026-12-07T11:59:15Z', '2026-12-07T11:00:00Z', '2026-12-06T12:00:00Z', '2026-11-30T12:00:00Z', undefined].map((t) => age(t, NOW)), ['45s', '60m', '24h', '7d', '<unknown>']);
});
