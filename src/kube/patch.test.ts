import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { apiStatusCode, isConflict } from './errors.ts';
import type { KubeObject, ObjectRef } from './object.ts';
import { deleteObject, getObject, jsonPointer, mergePatchStatus, patchStatus } from './patch.ts';
import type { RawRequest } from './raw.ts';

const ref: ObjectRef = { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', namespace: 'shop', name: 'web' };
const bare422 = (): ApiException<string> =>
  new ApiException(422, 'HTTP 422', JSON.stringify({ kind: 'Status', code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' }), {});

/** Fake clients: discovery maps the ref to a path; `answer` decides each request. */
function fake(answer: (req: RawRequest) => unknown): { requests: RawRequest[]; clients: Parameters<typeof patchStatus>[0] } {
  const requests: RawRequest[] = [];
  return {
    requests,
    clients: {
      discovery: { path: (_v: string, _k: string, ns: string | undefined, name?: string) => Promise.resolve(`/apis/sluice.dev/v1alpha1/namespaces/${ns}/rollouts${name === undefined ? '' : `/${name}`}`) } as never,
      request: async <T>(req: RawRequest): Promise<T> => {
        requests.push(req);
        await Promise.resolve();
        const result = answer(req);
        if (result instanceof Error) throw result;
        return result as T;
      },
    },
  };
}

const live = (rv: string): KubeObject => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: 'web', namespace: 'shop', resourceVersion: rv } });

describe('patch', () => {
  test('patchStatus sends a JSON Patch to /status, led by a test of resourceVersion, with our field manager', async () => {
    const { clients, requests } = fake(() => live('8'));
    await patchStatus(clients, ref, [{ op: 'replace', path: '/status/phase', value: 'Paused' }], { fieldManager: 'sluice-rollouts', resourceVersion: '7' });
    assert.equal(requests.length, 1);
    const [req] = requests;
    assert.equal(req?.method, 'PATCH');
    assert.equal(req?.path, '/apis/sluice.dev/v1alpha1/namespaces/shop/rollouts/web/status');
    assert.equal(req?.contentType, 'application/json-patch+json');
    assert.deepEqual(req?.query, { fieldManager: 'sluice-rollouts', dryRun: undefined });
    assert.deepEqual(req?.body, [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'replace', path: '/status/phase', value: 'Paused' },
    ]);
  });

  test('a 422 on a moved-on object is a conflict; on an unchanged one it stays the original error', async () => {
    const moved = fake((req) => (req.method === 'PATCH' ? bare422() : live('9')));
    await assert.rejects(patchStatus(moved.clients, ref, [], { fieldManager: 'm', resourceVersion: '7' }), (error: unknown) => {
      assert.equal(isConflict(error), true);
      assert.match(String((error as { body: string }).body), /Rollout shop\/web changed since resourceVersion 7 \(now 9\)/);
      return true;
    });
    assert.deepEqual(moved.requests.map((r) => r.method), ['PATCH', 'GET']);

    const same = fake((req) => (req.method === 'PATCH' ? bare422() : live('7')));
    await assert.rejects(patchStatus(same.clients, ref, [], { fieldManager: 'm', resourceVersion: '7' }), (error: unknown) => apiStatusCode(error) === 422 && !isConflict(error));

    const unguarded = fake(() => bare422());
    await assert.rejects(patchStatus(unguarded.clients, ref, [], { fieldManager: 'm' }), (error: unknown) => apiStatusCode(error) === 422);
    assert.equal(unguarded.requests.length, 1, 'no re-read without a precondition');
  });

  test('merge patches carry the resourceVersion as the server-side precondition', async () => {
    const { clients, requests } = fake(() => live('8'));
    await mergePatchStatus(clients, ref, { status: { phase: 'Healthy' } }, { fieldManager: 'm', resourceVersion: '7' });
    assert.equal(requests[0]?.contentType, 'application/merge-patch+json');
    assert.deepEqual(requests[0]?.body, { status: { phase: 'Healthy' }, metadata: { resourceVersion: '7' } });
  });

  test('a write without a field manager is refused before it is sent', async () => {
    const { clients, requests } = fake(() => live('1'));
    await assert.rejects(patchStatus(clients, ref, [], { fieldManager: '' }), /field manager/);
    assert.equal(requests.length, 0);
  });

  test('getObject maps 404 to undefined; deleteObject sends the propagation policy and reports what was gone', async () => {
    const notFound = new ApiException(404, 'HTTP 404', '{"kind":"Status","code":404,"reason":"NotFound"}', {});
    const { clients, requests } = fake((req) => (req.method === 'GET' || requests.length > 1 ? notFound : {}));
    assert.equal(await getObject(clients, ref), undefined);
    assert.equal(await deleteObject(clients, ref, { propagationPolicy: 'Foreground', preconditions: { uid: 'u-1' } }), false);
    assert.deepEqual(requests[1]?.body, { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground', preconditions: { uid: 'u-1' }, dryRun: undefined });
  });

  test('jsonPointer escapes / and ~ in keys', () => {
    assert.equal(jsonPointer('metadata', 'annotations', 'sluice.dev/managed-by~x'), '/metadata/annotations/sluice.dev~1managed-by~0x');
    assert.equal(jsonPointer('spec', 'http', 0, 'route'), '/spec/http/0/route');
  });
});
