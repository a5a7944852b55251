import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from './errors.ts';
import { pickRevision, templateOf } from './undo.ts';

const rs = (hash: string, revision: number) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: `web-${hash}`, labels: { app: 'web', 'rollouts-pod-template-hash': hash }, annotations: { 'sluice.dev/revision': String(revision) } },
  spec: { template: { metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': hash } }, spec: { containers: [{ name: 'web', image: `web:${hash}` }] } } },
});

test('undo goes back to the newest revision older than the current template’s, or the one named', () => {
  const sets = [rs('a', 1), rs('c', 3), rs('b', 2)];
  assert.equal(pickRevision(sets, 'c', undefined).metadata.name, 'web-b');
  assert.equal(pickRevision(sets, 'b', undefined).metadata.name, 'web-a', 'from a template in the middle, the one before it');
  assert.equal(pickRevision(sets, 'c', 1).metadata.name, 'web-a');
  assert.throws(() => pickRevision(sets, 'c', 7), (e: unknown) => e instanceof UserError && e.message === 'revision 7 not found (the rollout has 3, 2, 1 revisions)');
  assert.throws(() => pickRevision([rs('a', 1)], 'a', undefined), /no former revision/u);
});

test('the template comes back without the hash label the controller adds and the API server’s defaults', () => {
  assert.deepEqual(templateOf(rs('a', 1)), { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:a' }] } });
  const defaulted = rs('a', 1);
  const spec = {
    restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler', serviceAccountName: 'web',
    containers: [
      { name: 'web', image: 'web:v1', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {}, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] },
      { name: 'sidecar', image: 'proxy', imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '1' } } },
    ],
  };
  const withDefaults = { ...defaulted, spec: { template: { metadata: { creationTimestamp: null, labels: defaulted.spec.template.metadata.labels }, spec } } };
  assert.deepEqual(templateOf(withDefaults as never), {
    metadata: { labels: { app: 'web' } },
    spec: {
      serviceAccountName: 'web',
      containers: [
        { name: 'web', image: 'web:v1', ports: [{ name: 'http', containerPort: 8080 }] },
        { name: 'sidecar', image: 'proxy', imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '1' } } },
      ],
    },
  }, 'an untagged image defaults to Always, so an explicit IfNotPresent is the user’s and stays');
});
