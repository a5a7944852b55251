import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from './object.ts';
import { podReadiness, serviceSelector, specOnly, withoutPodTemplate } from './transforms.ts';

const metadata = {
  name: 'web-abc-1',
  namespace: 'ns',
  uid: 'u1',
  resourceVersion: '7',
  labels: { 'rollouts-pod-template-hash': 'abc' },
  annotations: { note: 'x' },
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u0', controller: true }],
  creationTimestamp: '2026-01-01T00:00:00Z',
};

test('podReadiness keeps identity, owners, lifecycle, phase and the Ready condition only', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...metadata, deletionTimestamp: '2026-01-01T00:01:00Z' },
    spec: { containers: [{ name: 'app', image: 'web:v1' }] },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: 'x' }] },
  } as KubeObject;
  const { annotations: _a, ...kept } = metadata;
  assert.deepEqual(podReadiness(pod), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...kept, deletionTimestamp: '2026-01-01T00:01:00Z' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  assert.deepEqual(podReadiness({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: {} });
});

test('withoutPodTemplate drops spec.template and keeps sizes, selector, annotations and status', () => {
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { ...metadata, generation: 2 },
    spec: { replicas: 3, minReadySeconds: 5, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } },
    status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
  } as KubeObject;
  assert.deepEqual(withoutPodTemplate(rs), {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { ...metadata, generation: 2 },
    spec: { replicas: 3, minReadySeconds: 5, selector: { matchLabels: { app: 'web' } } },
    status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
  });
  assert.ok('template' in ((rs as unknown as { spec: object }).spec), 'the input is not modified');
});

test('serviceSelector keeps identity, annotations and the selector; ports, IPs and status go', () => {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...metadata, finalizers: ['x'] },
    spec: { selector: { app: 'web', 'rollouts-pod-template-hash': 'abc' }, ports: [{ port: 80 }], clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], type: 'ClusterIP' },
    status: { loadBalancer: {} },
  } as unknown as KubeObject;
  assert.deepEqual(serviceSelector(service), { apiVersion: 'v1', kind: 'Service', metadata, spec: { selector: { app: 'web', 'rollouts-pod-template-hash': 'abc' } } });
  const headless = { apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'ExternalName', externalName: 'x.example' } } as unknown as KubeObject;
  assert.deepEqual(serviceSelector(headless), { apiVersion: 'v1', kind: 'Service', metadata, spec: {} });
});

test('specOnly keeps the whole spec and drops status', () => {
  const spec = { hosts: ['web'], http: [{ name: 'primary', route: [{ destination: { host: 'web-stable' }, weight: 100 }] }] };
  const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata, spec, status: { validationMessages: [] } } as unknown as KubeObject;
  assert.deepEqual(specOnly(vs), { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata, spec });
});
