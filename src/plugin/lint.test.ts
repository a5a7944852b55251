import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintText } from './lint.ts';
import { lineOf } from './yaml-locate.ts';

const good = `apiVersion: v1
kind: Service
metadata:
  name: web-stable
---
apiVersion: v1
kind: Service
metadata:
  name: web-canary
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  http:
  - name: primary
    route:
    - destination: {host: web-stable}
---
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:v1
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      trafficRouting:
        istio:
          virtualService:
            name: web
            routes: [primary]
      steps:
      - setWeight: 20
      - pause: {}
`;

test('a good set of manifests has no problems', () => {
  assert.deepEqual(lintText(good, 'app.yaml'), []);
});

test('problems name the file, the line of the field, the object and what is wrong', () => {
  const broken = good
    .replace('      - setWeight: 20\n', '      - setWeight: 120\n')
    .replace('canaryService: web-canary', 'canaryService: web-preview')
    .replace('routes: [primary]', 'routes: [primary, missing]');
  const problems = lintText(broken, 'app.yaml');
  const lines = broken.split('\n');
  const at = (needle: string): number => lines.findIndex((l) => l.includes(needle)) + 1;
  assert.deepEqual(
    problems.map((p) => `${p.file}:${p.line}`),
    [`app.yaml:${at('canaryService: web-preview')}`, `app.yaml:${at('routes: [primary, missing]')}`, `app.yaml:${at('setWeight: 120')}`],
  );
  assert.match(problems[0]?.message ?? '', /^Rollout\/web: spec\.strategy\.canary\.canaryService: Service "web-preview" is not in the input$/u);
  assert.match(problems[1]?.message ?? '', /no HTTP route named "missing"/u);
  assert.match(problems[2]?.message ?? '', /^Rollout\/web: spec\.strategy\.canary\.steps\[0\]\.setWeight: /u);
});

test('templates: schema problems and conditions that do not compile; Applications: the schema; bad YAML: its line', () => {
  const template = `apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: rate
spec:
  metrics:
  - name: rate
    successCondition: result[0] <
    interval: often
    provider:
      prometheus: {address: "http://prometheus:9090", query: "up"}
---
apiVersion: sluice.dev/v1alpha1
kind: Application
metadata:
  name: shop
spec:
  source: {repoURL: "ftp://example/repo"}
---
kind: ConfigMap
data: [unclosed
`;
  const problems = lintText(template, '-');
  const summary = problems.map((p) => `${p.line} ${p.message.split(':').slice(0, 2).join(':')}`);
  // js-yaml notices the unclosed flow sequence at the end of the input (line 22).
  assert.deepEqual(summary, ['8 AnalysisTemplate/rate: spec.metrics[0].successCondition', '9 AnalysisTemplate/rate: spec.metrics[0].interval', '18 Application/shop: spec.source.repoURL', '22 invalid YAML: deficient indentation']);
});

test('the stock templates pass: {{args.x}} placeholders stand in as numbers in conditions', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const dir = new URL('../../analysis-templates/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  assert.ok(files.length >= 4);
  for (const file of files) assert.deepEqual(lintText(readFileSync(new URL(file, dir), 'utf8'), file), [], file);
});

test('the locator follows nested keys and list items, and falls back to the deepest line found', () => {
  const text = 'spec:\n  steps:\n  - setWeight: 10\n  - pause:\n      duration: 5\n  other: 1\n';
  assert.equal(lineOf(text, 'spec.steps[1].pause.duration'), 4);
  assert.equal(lineOf(text, 'spec.steps[0].setWeight'), 2);
  assert.equal(lineOf(text, 'spec.other'), 5);
  assert.equal(lineOf(text, 'spec.steps[7]'), 1, 'no such item: its list');
  assert.equal(lineOf(text, ''), 0);
});
