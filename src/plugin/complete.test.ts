import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidates, cobraOutput, completionScript, FILES, NO_FILES, type NameLister } from './complete.ts';

const asked: unknown[] = [];
const names: NameLister = (kind, flags) => {
  asked.push({ kind, flags });
  return Promise.resolve(kind === 'rollouts' ? ['api', 'web', 'worker'] : ['shop']);
};

test('commands, subcommands, then rollout or application names filtered by the prefix; flags leave names alone', async () => {
  assert.deepEqual(await candidates([], 'pr', names), { values: ['promote'], directive: NO_FILES });
  assert.deepEqual((await candidates([], '', names)).values.length, 15);
  assert.deepEqual(await candidates(['get'], '', names), { values: ['rollout'], directive: NO_FILES });
  assert.deepEqual(await candidates(['app'], 's', names), { values: ['suspend', 'sync'], directive: NO_FILES });
  assert.deepEqual(await candidates(['promote'], 'w', names), { values: ['web', 'worker'], directive: NO_FILES });
  assert.deepEqual(await candidates(['-n', 'shop', 'get', 'rollout'], '', names), { values: ['api', 'web', 'worker'], directive: NO_FILES });
  assert.deepEqual(asked.at(-1), { kind: 'rollouts', flags: { namespace: 'shop' } });
  assert.deepEqual(await candidates(['app', 'sync', '--context=prod'], '', names), { values: ['shop'], directive: NO_FILES });
  assert.deepEqual(asked.at(-1), { kind: 'applications', flags: { context: 'prod' } });
  assert.deepEqual(await candidates(['promote', 'web'], '', names), { values: [], directive: NO_FILES }, 'one rollout per command');
  assert.deepEqual(await candidates(['promote', '-n'], '', names), { values: [], directive: NO_FILES }, 'a namespace value is not a rollout');
  assert.deepEqual(await candidates(['lint', '-f'], '', names), { values: [], directive: FILES }, 'files for -f');
  assert.deepEqual(await candidates(['promote'], '', () => Promise.reject(new Error('no cluster'))), { values: [], directive: NO_FILES }, 'an unreachable cluster offers nothing');
});

test('Cobra’s output format and the shell scripts', () => {
  assert.equal(cobraOutput({ values: ['web', 'worker'], directive: NO_FILES }), 'web\nworker\n:4\n');
  assert.match(completionScript('bash'), /complete -F _kubectl_sluice kubectl-sluice/u);
  assert.match(completionScript('zsh'), /bashcompinit/u);
});
