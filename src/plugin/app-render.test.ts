import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderApp, renderAppList, renderDiff, renderHistory, type ApplicationObject } from './app-render.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const app = (name: string, namespace: string, status: ApplicationObject['status'], spec: Partial<ApplicationObject['spec']> = {}): ApplicationObject => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace, creationTimestamp: '2026-12-07T10:00:00Z' },
  spec: { source: { repoURL: 'https://git.example/shop.git', targetRevision: 'main', path: 'deploy' }, ...spec },
  ...(status === undefined ? {} : { status }),
});
const shop = app('shop', 'prod', {
  sync: { status: 'Synced', revision: 'bbbbbbbbbbbbbbbb' },
  health: { status: 'Degraded', message: 'rollout web aborted' },
  lastHealthyRevision: 'aaaaaaaaaaaaaaaa',
  autoRevert: { revision: 'aaaaaaaaaaaaaaaa', abortedRevision: 'cccccccccccccccc' },
  operationState: { phase: 'Succeeded', revision: 'bbbbbbbbbbbbbbbb', message: 'applied 2 objects' },
  conditions: [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'synced' }, { type: 'Stalled', status: 'False', reason: 'Synced' }, { type: 'AutoReverted', status: 'True', reason: 'RolloutAborted', message: 'pinned' }],
  resources: [
    { group: 'sluice.dev', kind: 'Rollout', namespace: 'prod', name: 'web', status: 'Synced', health: { status: 'Degraded', message: 'aborted' } },
    { group: '', kind: 'Service', namespace: 'prod', name: 'web', status: 'OutOfSync', health: { status: 'Healthy' } },
  ],
  history: [
    { id: 1, revision: 'aaaaaaaaaaaaaaaa', deployedAt: '2026-12-07T10:00:00Z', result: 'Succeeded', health: 'Healthy', outcome: 'Healthy', message: 'applied 2 objects' },
    { id: 2, revision: 'cccccccccccccccc', deployedAt: '2026-12-07T11:00:00Z', result: 'Succeeded', health: 'Degraded', outcome: 'Aborted', message: 'applied 2 objects' },
  ],
});

test('app list, sorted, with the last healthy revision', () => {
  const other = app('api', 'dev', undefined);
  assert.equal(
    renderAppList([shop, other], NOW, true),
    ['NAMESPACE   NAME   SYNC      HEALTH     REVISION   LAST-HEALTHY   AGE', 'dev         api    Unknown   Unknown    -          -              2h', 'prod        shop   Synced    Degraded   bbbbbbb    aaaaaaa        2h', ''].join('\n'),
  );
});

test('app get: source, verdicts, the pin, true conditions and Ready, the inventory', () => {
  assert.equal(
    renderApp(shop),
    [
      'Name:             shop',
      'Namespace:        prod',
      'Source:           https://git.example/shop.git @ main (deploy)',
      'Sync:             Synced at bbbbbbb',
      'Health:           Degraded (rollout web aborted)',
      'Last healthy:     aaaaaaa',
      'Auto-reverted:    to aaaaaaa after ccccccc was aborted',
      'Last operation:   Succeeded bbbbbbb: applied 2 objects',
      'Condition:        Ready=True Synced: synced',
      'Condition:        AutoReverted=True RolloutAborted: pinned',
      '',
      'KIND                 NAMESPACE   NAME   SYNC        HEALTH     MESSAGE',
      'Rollout.sluice.dev   prod        web    Synced      Degraded   aborted',
      'Service              prod        web    OutOfSync   Healthy',
      '',
    ].join('\n'),
  );
});

test('app history, newest first; app diff lists what differs or says it is in sync', () => {
  assert.equal(
    renderHistory(shop.status?.history ?? []),
    [
      'ID   REVISION           DEPLOYED               RESULT      HEALTH     ROLLOUTS   MESSAGE',
      '2    cccccccccccccccc   2026-12-07T11:00:00Z   Succeeded   Degraded   Aborted    applied 2 objects',
      '1    aaaaaaaaaaaaaaaa   2026-12-07T10:00:00Z   Succeeded   Healthy    Healthy    applied 2 objects',
      '',
    ].join('\n'),
  );
  assert.equal(renderHistory([]), 'No syncs yet.\n');
  assert.equal(renderDiff(shop), 'Application shop is in sync with bbbbbbb.\n');
  const drifted = app('shop', 'prod', { ...shop.status, sync: { status: 'OutOfSync', revision: 'dddddddddd' } });
  assert.equal(renderDiff(drifted), 'revision ddddddd is not applied yet (last applied: bbbbbbb)\nOutOfSync: Service prod/web\n');
});
