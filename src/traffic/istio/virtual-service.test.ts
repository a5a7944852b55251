import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canaryWeightOf, findManagedRoutes, weightPatch, type VirtualServiceLike } from './virtual-service.ts';

const destinations = { canaryService: 'web-canary', stableService: 'web-stable' };

const vs: VirtualServiceLike = {
  metadata: { name: 'web', resourceVersion: '42' },
  spec: {
    http: [
      { name: 'other', route: [{ destination: { host: 'legacy' }, weight: 100 }] },
      {
        name: 'primary',
        route: [
          { destination: { host: 'web-stable.ns.svc.cluster.local' }, weight: 100 },
          { destination: { host: 'web-canary' }, weight: 0 },
        ],
      },
    ],
    tls: [
      {
        match: [{ port: 443, sniHosts: ['b.example', 'a.example'] }],
        route: [{ destination: { host: 'web-stable' }, weight: 100 }, { destination: { host: 'web-canary' } }],
      },
    ],
    tcp: [{ match: [{ port: 5432 }], route: [{ destination: { host: 'web-stable' }, weight: 100 }, { destination: { host: 'web-canary' }, weight: 0 }] }],
  },
};

describe('VirtualService weights', () => {
  test('named HTTP routes, TLS by port and sniHosts set, TCP by port', () => {
    const found = findManagedRoutes(vs, { routes: ['primary'], tlsRoutes: [{ port: 443, sniHosts: ['a.example', 'b.example'] }], tcpRoutes: [{ port: 5432 }] }, destinations);
    assert.ok('routes' in found, JSON.stringify(found));
    assert.deepEqual(found.routes.map((r) => r.pointer), ['/spec/http/1/route', '/spec/tls/0/route', '/spec/tcp/0/route']);
    assert.equal(found.routes[0]?.canaryIndex, 1, 'host matched on the part before the first "."');
  });

  test('the patch changes only weights that differ', () => {
    const found = findManagedRoutes(vs, { routes: ['primary'] }, destinations);
    assert.ok('routes' in found);
    assert.deepEqual(weightPatch(found.routes, 10), [
      { op: 'add', path: '/spec/http/1/route/1/weight', value: 10 },
      { op: 'add', path: '/spec/http/1/route/0/weight', value: 90 },
    ]);
    assert.deepEqual(weightPatch(found.routes, 0), [], 'nothing to write when the weights already match');
    assert.equal(canaryWeightOf(found.routes), 0);
  });

  test('an unset weight counts as 0 and weights that do not agree read as unknown', () => {
    const found = findManagedRoutes(vs, { routes: ['primary'], tlsRoutes: [{ port: 443, sniHosts: ['a.example', 'b.example'] }] }, destinations);
    assert.ok('routes' in found);
    assert.equal(canaryWeightOf(found.routes), 0);
    const drifted = structuredClone(vs);
    drifted.spec!.http![1]!.route![1]!.weight = 30;
    const again = findManagedRoutes(drifted, { routes: ['primary'], tcpRoutes: [{ port: 5432 }] }, destinations);
    assert.ok('routes' in again);
    assert.equal(canaryWeightOf(again.routes), undefined);
  });

  test('problems name what is wrong', () => {
    const cases: [Parameters<typeof findManagedRoutes>[1], RegExp][] = [
      [{}, /has 2 HTTP routes: name the ones to manage/],
      [{ routes: ['missing'] }, /HTTP route "missing" not found in VirtualService "web"/],
      [{ routes: ['other'] }, /canary Service "web-canary" not found in http route other/],
      [{ tlsRoutes: [{ port: 443, sniHosts: ['a.example'] }] }, /TLS route .* not found/],
      [{ tcpRoutes: [{ port: 1 }] }, /TCP route \(port 1\) not found/],
    ];
    for (const [selection, message] of cases) {
      const found = findManagedRoutes(vs, selection, destinations);
      assert.ok('error' in found && message.test(found.error), `${JSON.stringify(selection)} → ${JSON.stringify(found)}`);
    }
    const three = structuredClone(vs);
    three.spec!.http![1]!.route!.push({ destination: { host: 'extra' }, weight: 0 });
    const found = findManagedRoutes(three, { routes: ['primary'] }, destinations);
    assert.ok('error' in found && /exactly the stable and canary destinations/.test(found.error));
  });

  test('the only HTTP route is managed when none is named', () => {
    const single: VirtualServiceLike = { metadata: { name: 'one', resourceVersion: '1' }, spec: { http: [vs.spec!.http![1]!] } };
    const found = findManagedRoutes(single, {}, destinations);
    assert.ok('routes' in found);
    assert.equal(found.routes[0]?.pointer, '/spec/http/0/route');
  });
});
