// The dashboards' metric contract (contract.ts) is what the controller really exports: every
// sluice_* metric of the registry and of the cache-backed families, with the same type and labels, and nothing the registry lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registry } from '../../src/metrics/registry.ts';
import { STATE_FAMILIES } from '../../src/metrics/sources.ts';
import { SLUICE_METRICS } from './contract.ts';

test('the contract matches the registry: names, types and labels', async () => {
  const exported = (await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('sluice_'));
  type Entry = [string, { type: string; labels: string[] }];
  const fromRegistry = exported.map((m): Entry => {
    const labelNames = (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames ?? [];
    return [m.name, { type: String(m.type), labels: [...labelNames].sort() }];
  });
  // The cache-backed families are written by Sluice itself (src/metrics/exposition.ts).
  const families = STATE_FAMILIES.map((f): Entry => [f.name, { type: f.type, labels: [...f.labelNames].sort() }]);
  const actual = Object.fromEntries([...fromRegistry, ...families]);
  const expected = Object.fromEntries(Object.entries(SLUICE_METRICS).map(([name, c]) => [name, { type: c.type, labels: [...c.labels].sort() }]));
  assert.deepEqual(actual, expected);
});
