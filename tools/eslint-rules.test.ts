// The project's own lint rules catch what they exist for.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import sluice from './eslint-rules.js';

RuleTester.describe = describe;
RuleTester.it = it;
const tester = new RuleTester({ languageOptions: { ecmaVersion: 2024, sourceType: 'module' } });
const cwd = process.cwd();

describe('sluice/layers', () => {
  tester.run('layers', sluice.rules.layers, {
    valid: [
      { code: "import { x } from '../kube/client.ts';", filename: join(cwd, 'src/rollout/controller.ts') },
      { code: "import { x } from '../traffic/router.ts';", filename: join(cwd, 'src/rollout/controller.ts') },
      { code: "import { x } from './machine.ts';", filename: join(cwd, 'src/rollout/controller.ts') },
      { code: "import { x } from '../api/rollout.ts';", filename: join(cwd, 'src/kube/client.ts') },
    ],
    invalid: [
      { code: "import { x } from '../rollout/machine.ts';", filename: join(cwd, 'src/traffic/istio.ts'), errors: [{ messageId: 'upward' }] },
      { code: "import { x } from '../rollout/status.ts';", filename: join(cwd, 'src/gitops/health.ts'), errors: [{ messageId: 'upward' }] },
      { code: "import { x } from '../analysis/run.ts';", filename: join(cwd, 'src/kube/client.ts'), errors: [{ messageId: 'upward' }] },
    ],
  });
});

describe('sluice/no-import-cycle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lint-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'm'));
  writeFileSync(join(dir, 'm/a.ts'), "import { b } from './b.ts';\n");
  writeFileSync(join(dir, 'm/b.ts'), "import { c } from './c.ts';\n");
  writeFileSync(join(dir, 'm/c.ts'), "import { a } from './a.ts';\n");
  writeFileSync(join(dir, 'm/d.ts'), "import { b } from './b.ts';\n");
  writeFileSync(join(dir, 'm/leaf.ts'), 'export const leaf = 1;\n');
  tester.run('no-import-cycle', sluice.rules['no-import-cycle'], {
    valid: [
      { code: "import { leaf } from './leaf.ts';", filename: join(dir, 'm/d2.ts') },
      // d imports into the cycle but nothing imports d back.
      { code: "import { b } from './b.ts';", filename: join(dir, 'm/d.ts') },
    ],
    invalid: [
      { code: "import { b } from './b.ts';", filename: join(dir, 'm/a.ts'), errors: [{ messageId: 'cycle' }] },
    ],
  });
});
