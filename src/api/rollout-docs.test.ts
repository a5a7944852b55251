// docs/rollout-spec.md stays true to the schema: its example is valid and its tables name every
// field (STYLE.md: every CRD field is documented, with an example a test runs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { load } from 'js-yaml';
import { rolloutSpecSchema } from './rollout.ts';
import { rolloutStatusSchema } from './rollout-status.ts';
import { validateRollout } from './rollout-validate.ts';
import { fieldPaths } from './schema.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rollout-spec.md'), 'utf8');

// Fields whose own row covers what is below them: unsupported Argo objects (not run, only kept as
// written) and virtualServices[] (the same shape as virtualService, which has rows of its own).
const COVERED_BY_PARENT = [
  'strategy.canary.steps[].analysis.',
  'strategy.canary.analysis.',
  'strategy.canary.canaryMetadata.',
  'strategy.canary.stableMetadata.',
  'strategy.canary.trafficRouting.managedRoutes[].',
  'strategy.canary.trafficRouting.istio.destinationRule.',
  'strategy.canary.trafficRouting.istio.virtualServices[].',
];
// Rows that list several sibling fields in one cell.
const GROUPED = [
  'strategy.canary.trafficRouting.nginx',
  'strategy.canary.trafficRouting.alb',
  'strategy.canary.trafficRouting.smi',
  'strategy.canary.trafficRouting.ambassador',
  'strategy.canary.trafficRouting.appMesh',
  'strategy.canary.trafficRouting.traefik',
  'strategy.canary.trafficRouting.apisix',
  'strategy.canary.trafficRouting.plugins',
];

describe('docs/rollout-spec.md', () => {
  test('its example manifest is a valid Rollout', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example !== undefined, 'the doc has a yaml example');
    assert.deepEqual(validateRollout(load(example)), []);
  });

  test('every spec field has a row', () => {
    const undocumented = fieldPaths(rolloutSpecSchema)
      .filter((path) => !COVERED_BY_PARENT.some((prefix) => path.startsWith(prefix)))
      .filter((path) => !doc.includes(`\`spec.${path}\``))
      .filter((path) => !(GROUPED.includes(path) && doc.includes(`.${path.split('.').at(-1) ?? ''}\``)));
    assert.deepEqual(undocumented, []);
  });

  test('every top-level status field is named', () => {
    const statusFields = fieldPaths(rolloutStatusSchema).filter((path) => !path.includes('.') && !path.includes('['));
    // Written `status.x`, `status.x[]`, `status.x.y`, or `x` in a row that groups siblings.
    const named = (field: string): boolean => new RegExp(`\`(status\\.)?${field}[\`.[]`).test(doc);
    assert.deepEqual(statusFields.filter((field) => !named(field)), []);
  });
});
