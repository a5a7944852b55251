import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestLabels } from './request-labels.ts';

test('request labels: verbs and resource types, never names or namespaces', () => {
  const cases: [string, string, Record<string, string> | undefined, string, string][] = [
    ['GET', '/api/v1/namespaces/ns/pods', undefined, 'list', 'pods'],
    ['GET', '/api/v1/namespaces/ns/pods', { watch: 'true' }, 'watch', 'pods'],
    ['GET', '/api/v1/namespaces/ns/pods/p-1', undefined, 'get', 'pods'],
    ['PATCH', '/apis/sluice.dev/v1alpha1/namespaces/ns/rollouts/web/status', undefined, 'patch', 'rollouts/status'],
    ['GET', '/apis/sluice.dev/v1alpha1/rollouts', undefined, 'list', 'rollouts'],
    ['GET', '/apis/sluice.dev/v1alpha1/clusteranalysistemplates/t', undefined, 'get', 'clusteranalysistemplates'],
    ['POST', '/api/v1/namespaces/ns/events', undefined, 'create', 'events'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/sluice-system/leases/sluice-controller', undefined, 'update', 'leases'],
    ['DELETE', '/apis/apps/v1/namespaces/ns/replicasets/web-abc', undefined, 'delete', 'replicasets'],
    ['DELETE', '/apis/apps/v1/namespaces/ns/replicasets', undefined, 'deletecollection', 'replicasets'],
    ['GET', '/api/v1/namespaces/ns', undefined, 'get', 'namespaces'],
    ['GET', '/api/v1/namespaces', undefined, 'list', 'namespaces'],
    ['POST', '/api/v1/namespaces', undefined, 'create', 'namespaces'],
    ['GET', '/apis', undefined, 'get', 'discovery'],
    ['GET', '/apis/networking.istio.io/v1', undefined, 'get', 'discovery'],
    ['GET', '/api/v1', undefined, 'get', 'discovery'],
  ];
  for (const [method, path, query, verb, resource] of cases) {
    assert.deepEqual(requestLabels(method, path, query), { verb, resource }, `${method} ${path}`);
  }
});
