// The mesh stand-in's routing rules, pure: host → VirtualService, match → route, weights → destination.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VirtualService } from '../../demo/pods.ts';
import { routeFor, serviceNameOf, virtualServiceFor, weightsOf, WeightedPicker, type RequestInfo } from '../../demo/routing.ts';

const vs = (name: string, hosts: string[], http: NonNullable<VirtualService['spec']>['http'] = []): VirtualService => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: 'demo', uid: `uid-${name}` },
  spec: { hosts, http },
});

const req = (path: string, headers: RequestInfo['headers'] = {}, method = 'GET'): RequestInfo => ({ method, path, headers });

function split(weights: number[], n: number): number[] {
  const picker = new WeightedPicker();
  const seen = weights.map(() => 0);
  for (let i = 0; i < n; i++) {
    const k = picker.pick('r', weights);
    assert.notEqual(k, undefined);
    seen[k as number] = (seen[k as number] ?? 0) + 1;
  }
  return seen;
}

describe('demo mesh routing', () => {
  test('serviceNameOf: short names and in-namespace FQDNs; other namespaces are not ours', () => {
    assert.equal(serviceNameOf('web-canary', 'demo'), 'web-canary');
    assert.equal(serviceNameOf('web-canary.demo', 'demo'), 'web-canary');
    assert.equal(serviceNameOf('web-canary.demo.svc', 'demo'), 'web-canary');
    assert.equal(serviceNameOf('web-canary.demo.svc.cluster.local', 'demo'), 'web-canary');
    assert.equal(serviceNameOf('web-canary.other.svc.cluster.local', 'demo'), undefined);
  });

  test('virtualServiceFor: by Host (port dropped, FQDN of a short host), else the fallback, else the only one', () => {
    const web = vs('web', ['web.example.com', 'web']);
    const api = vs('api', ['api']);
    assert.equal(virtualServiceFor([web, api], 'web.example.com:8080', 'demo')?.metadata.name, 'web');
    assert.equal(virtualServiceFor([web, api], 'web.demo.svc.cluster.local', 'demo')?.metadata.name, 'web');
    assert.equal(virtualServiceFor([web, api], 'api', 'demo')?.metadata.name, 'api');
    assert.equal(virtualServiceFor([web, api], '127.0.0.1:4000', 'demo'), undefined, 'two candidates, no fallback');
    assert.equal(virtualServiceFor([web, api], '127.0.0.1:4000', 'demo', 'api')?.metadata.name, 'api');
    assert.equal(virtualServiceFor([web], '127.0.0.1:4000', 'demo')?.metadata.name, 'web');
  });

  test('routeFor: routes are tried in order; header/uri/method matches AND within an entry, OR across entries', () => {
    const v = vs('web', ['web'], [
      { name: 'canary-header', match: [{ headers: { 'x-canary': { exact: 'true' } } }, { headers: { cookie: { regex: '.*canary=1.*' } } }], route: [{ destination: { host: 'web-canary' } }] },
      { name: 'legacy', match: [{ uri: { prefix: '/legacy' }, method: { exact: 'GET' } }], route: [{ destination: { host: 'legacy' } }] },
      { name: 'no-debug', match: [{ withoutHeaders: { 'x-debug': { exact: '1' } }, uri: { prefix: '/api', }, ignoreUriCase: true }], route: [{ destination: { host: 'api' } }] },
      { name: 'primary', route: [{ destination: { host: 'web-stable' }, weight: 90 }, { destination: { host: 'web-canary' }, weight: 10 }] },
    ]);
    assert.equal(routeFor(v, req('/', { 'x-canary': 'true' }))?.route.name, 'canary-header');
    assert.equal(routeFor(v, req('/', { cookie: 'a=b; canary=1; c=d' }))?.route.name, 'canary-header');
    assert.equal(routeFor(v, req('/', { 'x-canary': 'false' }))?.route.name, 'primary');
    assert.equal(routeFor(v, req('/legacy/page?q=1'))?.route.name, 'legacy');
    assert.equal(routeFor(v, req('/legacy/page', {}, 'POST'))?.route.name, 'primary');
    assert.equal(routeFor(v, req('/API/x'))?.route.name, 'no-debug');
    assert.equal(routeFor(v, req('/api/x', { 'x-debug': '1' }))?.route.name, 'primary');
    assert.equal(routeFor(vs('none', ['n'], [{ match: [{ uri: { exact: '/only' } }], route: [] }]), req('/')), undefined);
  });

  test('weightsOf: a lone destination without weight takes everything; a missing weight among several is 0', () => {
    assert.deepEqual(weightsOf([{ destination: { host: 'a' } }]), [100]);
    assert.deepEqual(weightsOf([{ destination: { host: 'a' }, weight: 70 }, { destination: { host: 'b' } }]), [70, 0]);
  });

  test('WeightedPicker: exact splits for 90/10, 70/30, 100/0, 0/100 and uneven weights; all-zero picks nothing', () => {
    assert.deepEqual(split([90, 10], 1000), [900, 100]);
    assert.deepEqual(split([70, 30], 1000), [700, 300]);
    assert.deepEqual(split([100, 0], 1000), [1000, 0]);
    assert.deepEqual(split([0, 100], 1000), [0, 1000]);
    assert.deepEqual(split([33, 33, 34], 100), [33, 33, 34]);
    assert.equal(new WeightedPicker().pick('r', [0, 0]), undefined);
    // Spread, not batched: in any 10 consecutive requests of a 90/10 split, exactly one goes to the canary.
    const picker = new WeightedPicker();
    const seq = Array.from({ length: 100 }, () => picker.pick('r', [90, 10]));
    for (let i = 0; i + 10 <= seq.length; i += 10) assert.equal(seq.slice(i, i + 10).filter((k) => k === 1).length, 1);
  });

  test('WeightedPicker: new weights take effect from the next pick', () => {
    const picker = new WeightedPicker();
    for (let i = 0; i < 7; i++) picker.pick('r', [90, 10]);
    const seen = [0, 0];
    for (let i = 0; i < 100; i++) seen[picker.pick('r', [70, 30]) as number]! += 1;
    assert.deepEqual(seen, [70, 30]);
  });
});
