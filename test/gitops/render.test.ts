// The renderer on real directories: plain YAML (multi-document, Lists, JSON) with exact file:line
// problems, symlinks, duplicates, and Kustomize with the binary `make setup` builds.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseImage } from '../../src/gitops/kustomize.ts';
import { render, type Rendered } from '../../src/gitops/render.ts';
import { binary } from '../harness/paths.ts';

const roots: string[] = [];

function repo(files: Readonly<Record<string, string>>): string {
  const root = mkdtempSync(join(tmpdir(), 'sluice-render-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

function objects(r: Rendered): string[] {
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  return r.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}@${o.source.file}:${o.source.line}`);
}

function problems(r: Rendered): string[] {
  assert.equal(r.ok, false);
  return r.ok ? [] : r.problems.map((p) => `${p.file}:${p.line ?? ''}: ${p.message}`);
}

describe('render', () => {
  after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  test('every manifest under the path, sorted, multi-document with start lines, Lists expanded, JSON; other files ignored', async () => {
    const root = repo({
      'app/b.yaml': `# leading comment\n${cm('b1')}---\n${cm('b2')}\n---\n`,
      'app/a/list.yml': `apiVersion: v1\nkind: List\nitems:\n- ${cm('l1').replaceAll('\n', '\n  ').trimEnd()}\n`,
      'app/c.json': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }),
      'app/README.md': '# not a manifest',
      'app/.hidden/x.yaml': cm('hidden'),
      'other/o.yaml': cm('outside-the-path'),
    });
    assert.deepEqual(objects(await render({ repoRoot: root, path: 'app' })), [
      'ConfigMap/l1@app/a/list.yml:1',
      'ConfigMap/b1@app/b.yaml:1',
      'ConfigMap/b2@app/b.yaml:6',
      'Secret/s@app/c.json:1',
    ]);
  });

  test('every problem, with its file and line; nothing renders', async () => {
    const root = repo({
      'app/ok.yaml': cm('fine'),
      'app/broken.yaml': `${cm('first')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\ndata:\n  value: [unclosed\n`,
      'app/nokind.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n',
      'app/noname.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n',
      'app/scalar.yaml': 'just a string\n',
      'app/dup.yaml': cm('fine'),
    });
    const found = problems(await render({ repoRoot: root, path: 'app' }));
    assert.equal(found.length, 5, found.join('\n'));
    assert.ok(found.some((p) => /^app\/broken\.yaml:(11|12): invalid YAML/.test(p)), found.join('\n'));
    assert.ok(found.includes('app/nokind.yaml:1: the object has no kind'));
    assert.ok(found.includes('app/noname.yaml:1: ConfigMap has no metadata.name'));
    assert.ok(found.some((p) => p.startsWith('app/scalar.yaml:1: a document must be an object')));
    assert.ok(found.some((p) => p.startsWith('app/ok.yaml:1: ConfigMap fine is also defined at app/dup.yaml:1')), found.join('\n'));
  });

  test('a file over the size limit and a symlink out of the repository are refused; a symlink inside is followed', async () => {
    const root = repo({ 'app/big.yaml': cm('big', `data:\n  v: "${'x'.repeat(2000)}"\n`), 'shared/s.yaml': cm('shared') });
    symlinkSync('/etc', join(root, 'app', 'etc'));
    symlinkSync(join(root, 'shared'), join(root, 'app', 'shared'));
    const found = problems(await render({ repoRoot: root, path: 'app', maxFileBytes: 1000 }));
    assert.deepEqual(found.map((p) => p.replace(/\d+ bytes/, 'N bytes')).sort(), ['app/big.yaml:: file is N bytes, over the limit of 1000', 'app/etc:: symlink points outside the repository']);
    assert.deepEqual(objects(await render({ repoRoot: root, path: 'shared' })), ['ConfigMap/shared@shared/s.yaml:1']);
  });

  test('kustomize: a base and an overlay, with images, namePrefix and commonLabels from the Application', async () => {
    const root = repo({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'base/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx:1.0}]\n',
      'overlays/prod/kustomization.yaml': 'resources: [../../base]\nnamespace: prod\n',
    });
    const kustomizeBinary = binary('kustomize');
    const plain = await render({ repoRoot: root, path: 'overlays/prod', kustomizeBinary });
    assert.deepEqual(objects(plain), ['Deployment/web@overlays/prod/kustomization.yaml:1']);
    const custom = await render({ repoRoot: root, path: 'overlays/prod', kustomizeBinary, kustomize: { images: ['nginx=registry.local/nginx:1.2'], namePrefix: 'shop-', commonLabels: { team: 'a' } } });
    assert.ok(custom.ok);
    const deploy = custom.objects[0]?.object as unknown as { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { image: string }[] } } } };
    assert.equal(deploy.metadata.name, 'shop-web');
    assert.equal(deploy.metadata.namespace, 'prod');
    assert.equal(deploy.metadata.labels?.team, 'a');
    assert.equal(deploy.spec.selector.matchLabels.team, 'a');
    assert.equal(deploy.spec.template.spec.containers[0]?.image, 'registry.local/nginx:1.2');
  });

  test('kustomize: reading outside the repository is refused; a broken kustomization names its file', async () => {
    const root = repo({
      'app/kustomization.yaml': 'configMapGenerator:\n- name: stolen\n  files: [../../../../../../etc/hostname]\n',
      'bad/kustomization.yaml': 'resources: [missing.yaml]\n',
    });
    const kustomizeBinary = binary('kustomize');
    const escape = problems(await render({ repoRoot: root, path: 'app', kustomizeBinary }));
    assert.match(escape[0] ?? '', /^app\/kustomization\.yaml:: kustomize build failed: .*(security|outside|not in or below)/);
    const broken = problems(await render({ repoRoot: root, path: 'bad', kustomizeBinary }));
    assert.match(broken[0] ?? '', /^bad\/kustomization\.yaml:: kustomize build failed: .*missing\.yaml/);
  });
});

test("parseImage reads Argo CD's override forms", () => {
  assert.deepEqual(parseImage('nginx=registry.local/nginx:1.2'), { name: 'nginx', newName: 'registry.local/nginx', newTag: '1.2' });
  assert.deepEqual(parseImage('nginx:1.3'), { name: 'nginx', newTag: '1.3' });
  assert.deepEqual(parseImage('registry:5000/app'), { name: 'registry:5000/app' });
  assert.deepEqual(parseImage('nginx@sha256:abc'), { name: 'nginx', digest: 'sha256:abc' });
  assert.deepEqual(parseImage('nginx=mirror/nginx@sha256:abc'), { name: 'nginx', newName: 'mirror/nginx', digest: 'sha256:abc' });
});
