// The dashboards' metric contract (contract.ts) is what the controller really exports: every
// sluice_* metric of the registry, with the same type and labels, and nothing the registry lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registry } from '../../src/metrics/registry.ts';
import '../../src/metrics/sources.ts';
import { SLUICE_METRICS } from './contract.ts';

test('the contract matches the registry: names, types and labels', async () => {
  const exported = (await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('sluice_'));
  const actual = Object.fromEntries(
    exported.map((m) => {
      const labelNames = (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames ?? [];
      return [m.name, { type: String(m.type), labels: [...labelNames].sort() }];
    }),
  );
  const expected = Object.fromEntries(Object.entries(SLUICE_METRICS).map(([name, c]) => [name, { type: c.type, labels: [...c.labels].sort() }]));
  assert.deepEqual(actual, expected);
});
