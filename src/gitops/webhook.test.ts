import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { normalizeRepoUrl, parseSecretRef, repositoryUrls, validSignature } from './webhook.ts';

test('signatures: GitHub’s sha256=<hex HMAC> of the exact body; anything else is refused', () => {
  const body = Buffer.from('{"repository":{"clone_url":"https://git.example/org/app.git"}}');
  const sign = (b: Buffer, secret: string): string => `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;
  assert.equal(validSignature(body, sign(body, 's3cret'), 's3cret'), true);
  assert.equal(validSignature(body, sign(body, 'other'), 's3cret'), false, 'wrong secret');
  assert.equal(validSignature(Buffer.from(`${body.toString()} `), sign(body, 's3cret'), 's3cret'), false, 'body changed');
  assert.equal(validSignature(body, undefined, 's3cret'), false, 'no header');
  assert.equal(validSignature(body, sign(body, 's3cret').replace('sha256=', 'sha1='), 's3cret'), false, 'other algorithm');
  assert.equal(validSignature(body, 'sha256=abcd', 's3cret'), false, 'short digest');
  assert.equal(validSignature(body, sign(body, ''), ''), false, 'an empty secret never validates');
});

test('repository URLs from push payloads, compared without scheme, user, .git or trailing slash', () => {
  const github = { repository: { clone_url: 'https://github.com/Org/App.git', ssh_url: 'git@github.com:Org/App.git', html_url: 'https://github.com/Org/App' } };
  assert.deepEqual(repositoryUrls(github), ['https://github.com/Org/App.git', 'https://github.com/Org/App', 'git@github.com:Org/App.git']);
  assert.deepEqual(repositoryUrls({ project: { git_http_url: 'https://gitlab.example/g/p.git' } }), ['https://gitlab.example/g/p.git']);
  assert.deepEqual(repositoryUrls('nonsense'), []);
  const same = ['https://github.com/Org/App.git', 'git@github.com:Org/App.git', 'ssh://git@github.com/Org/App', 'https://deploy@GitHub.com:443/Org/App/'];
  for (const url of same) assert.equal(normalizeRepoUrl(url), 'github.com/Org/App', url);
  assert.notEqual(normalizeRepoUrl('https://github.com/Org/App2'), 'github.com/Org/App');
  assert.equal(normalizeRepoUrl('file:///srv/git/app.git'), '/srv/git/app');
  assert.equal(normalizeRepoUrl('git://127.0.0.1:9418/app'), '127.0.0.1:9418/app');
});

test('the secret reference is namespace/name[:key]', () => {
  assert.deepEqual(parseSecretRef('sluice-system/git-webhook'), { namespace: 'sluice-system', name: 'git-webhook', key: 'secret' });
  assert.deepEqual(parseSecretRef('ns/name:token'), { namespace: 'ns', name: 'name', key: 'token' });
  assert.equal(parseSecretRef('just-a-name'), undefined);
});
