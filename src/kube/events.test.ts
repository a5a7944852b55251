import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { ManualClock } from './clock.ts';
import { makeEventRecorder } from './events.ts';
import { silentLogger, type Logger } from './logger.ts';
import type { KubeObject } from './object.ts';
import type { RawRequest } from './raw.ts';

const rollout: KubeObject = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '42' },
};

/** Records requests; answers POST with the event (named), PATCH with a merged copy, or a scripted error. */
function fakeEvents(): { requests: RawRequest[]; stored: Map<string, Record<string, unknown>>; fail: { next?: Error }; request: <T>(req: RawRequest) => Promise<T> } {
  const requests: RawRequest[] = [];
  const stored = new Map<string, Record<string, unknown>>();
  const fail: { next?: Error } = {};
  return {
    requests,
    stored,
    fail,
    async request<T>(req: RawRequest): Promise<T> {
      requests.push(req);
      await Promise.resolve();
      const error = fail.next;
      fail.next = undefined;
      if (error !== undefined) throw error;
      if (req.method === 'POST') {
        const body = req.body as Record<string, unknown> & { metadata: { name: string } };
        stored.set(`${req.path}/${body.metadata.name}`, body);
        return body as T;
      }
      const existing = stored.get(req.path);
      if (existing === undefined) throw new ApiException(404, 'HTTP 404', '{"kind":"Status","code":404,"reason":"NotFound"}', {});
      const merged = { ...existing, ...(req.body as object) };
      stored.set(req.path, merged);
      return merged as T;
    },
  };
}

describe('event recorder', () => {
  test('writes a core/v1 Event with the object reference, source and timestamps', async () => {
    const api = fakeEvents();
    const clock = new ManualClock(Date.parse('2025-01-02T03:04:05.678Z'));
    const recorder = makeEventRecorder(api, { component: 'sluice-controller', host: 'pod-1', clock, logger: silentLogger });
    await recorder.record(rollout, 'Normal', 'RolloutUpdated', 'Rollout updated to revision 2');
    assert.equal(api.requests.length, 1);
    const [req] = api.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, '/api/v1/namespaces/shop/events');
    const event = req?.body as Record<string, unknown>;
    assert.deepEqual(event.involvedObject, { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '42' });
    assert.deepEqual(event.source, { component: 'sluice-controller', host: 'pod-1' });
    assert.equal(event.firstTimestamp, '2025-01-02T03:04:05Z');
    assert.equal(event.lastTimestamp, '2025-01-02T03:04:05Z');
    assert.equal(event.count, 1);
    assert.equal(event.type, 'Normal');
    assert.match((event.metadata as { name: string }).name, /^web\.[0-9a-f]+$/);
  });

  test('identical events within 10 minutes bump count and lastTimestamp of one Event, even when recorded at once', async () => {
    const api = fakeEvents();
    const clock = new ManualClock(Date.parse('2025-01-02T03:00:00Z'));
    const recorder = makeEventRecorder(api, { component: 'sluice-controller', clock, logger: silentLogger });
    void recorder.record(rollout, 'Warning', 'AnalysisFailed', 'error rate 7% > 5%');
    void recorder.record(rollout, 'Warning', 'AnalysisFailed', 'error rate 7% > 5%');
    await recorder.flush();
    clock.advance(9 * 60_000);
    await recorder.record(rollout, 'Warning', 'AnalysisFailed', 'error rate 7% > 5%');
    assert.deepEqual(api.requests.map((r) => r.method), ['POST', 'PATCH', 'PATCH']);
    assert.equal(api.stored.size, 1);
    const [event] = api.stored.values();
    assert.equal(event?.count, 3);
    assert.equal(event?.firstTimestamp, '2025-01-02T03:00:00Z');
    assert.equal(event?.lastTimestamp, '2025-01-02T03:09:00Z');
    assert.equal(api.requests[1]?.contentType, 'application/merge-patch+json');

    await recorder.record(rollout, 'Warning', 'AnalysisFailed', 'error rate 9% > 5%');
    assert.equal(api.stored.size, 2, 'a different message is a different event');
    clock.advance(11 * 60_000);
    await recorder.record(rollout, 'Warning', 'AnalysisFailed', 'error rate 7% > 5%');
    assert.equal(api.stored.size, 3, 'after the window a new Event starts');
  });

  test('an Event that expired meanwhile (404 on patch) is created again', async () => {
    const api = fakeEvents();
    const recorder = makeEventRecorder(api, { component: 'c', clock: new ManualClock(), logger: silentLogger });
    await recorder.record(rollout, 'Normal', 'Paused', 'step 2');
    api.stored.clear(); // the event TTL removed it
    await recorder.record(rollout, 'Normal', 'Paused', 'step 2');
    assert.deepEqual(api.requests.map((r) => r.method), ['POST', 'PATCH', 'POST']);
    assert.equal([...api.stored.values()][0]?.count, 1);
  });

  test('never throws: a failed write is logged and dropped', async () => {
    const api = fakeEvents();
    const warned: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (fields) => warned.push(JSON.stringify(fields)), child: () => logger };
    const recorder = makeEventRecorder(api, { component: 'c', clock: new ManualClock(), logger });
    api.fail.next = new ApiException(403, 'HTTP 403', '{"kind":"Status","code":403,"message":"events is forbidden"}', {});
    await recorder.record(rollout, 'Normal', 'X', 'y');
    assert.equal(warned.length, 1);
    assert.match(warned[0] ?? '', /events is forbidden/);
    await recorder.record(rollout, 'Normal', 'X', 'y');
    assert.equal(api.stored.size, 1, 'the next one is written');
  });

  test('an event carries the time it was recorded, however long its write waits (it keeps a reference, not the object)', async () => {
    const api = fakeEvents();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = { request: async <T>(req: RawRequest): Promise<T> => (await gate, api.request<T>(req)) };
    const clock = new ManualClock(Date.parse('2025-01-02T03:00:00Z'));
    const recorder = makeEventRecorder(slow, { component: 'c', clock, logger: silentLogger });
    const object = { ...rollout, spec: { huge: 'x' } } as KubeObject;
    const written = recorder.record(object, 'Normal', 'RolloutUpdated', 'rev 2');
    clock.advance(90_000);
    release();
    await written;
    const event = api.requests[0]?.body as Record<string, unknown>;
    assert.equal(event.firstTimestamp, '2025-01-02T03:00:00Z');
    assert.deepEqual(event.involvedObject, { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '42' });
  });

  test('a full backlog drops new events (counted, one warning), and takes events again once it drains', async () => {
    const api = fakeEvents();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = { request: async <T>(req: RawRequest): Promise<T> => (await gate, api.request<T>(req)) };
    const warned: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (fields) => warned.push(JSON.stringify(fields)), child: () => logger };
    const recorder = makeEventRecorder(slow, { component: 'c', clock: new ManualClock(), logger, maxBacklog: 3 });
    const objects = Array.from({ length: 5 }, (_, i) => ({ ...rollout, metadata: { ...rollout.metadata, name: `web-${i}`, uid: `u-${i}` } }));
    const writes = objects.map((o) => recorder.record(o, 'Normal', 'RolloutUpdated', 'rev 2'));
    assert.equal(recorder.dropped, 2);
    assert.equal(warned.length, 1, 'one warning for the burst');
    release();
    await Promise.all(writes);
    assert.deepEqual(api.requests.map((r) => (r.body as { involvedObject: { name: string } }).involvedObject.name), ['web-0', 'web-1', 'web-2']);
    await recorder.record(objects[4] ?? rollout, 'Normal', 'RolloutUpdated', 'rev 2');
    assert.equal(api.requests.length, 4, 'room again once the backlog drained');
    assert.equal(recorder.dropped, 2);
  });

  test('at most `concurrency` writes are in flight, however many the backlog holds; all are written', async () => {
    const api = fakeEvents();
    let inFlight = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const counted = {
      request: async <T>(req: RawRequest): Promise<T> => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => gates.push(resolve));
        inFlight -= 1;
        return api.request<T>(req);
      },
    };
    const recorder = makeEventRecorder(counted, { component: 'c', clock: new ManualClock(), logger: silentLogger, concurrency: 2 });
    const objects = Array.from({ length: 7 }, (_, i) => ({ ...rollout, metadata: { ...rollout.metadata, name: `web-${i}`, uid: `u-${i}` } }));
    const writes = objects.map((o) => recorder.record(o, 'Normal', 'RolloutUpdated', 'rev 2'));
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
    };
    await settle();
    assert.equal(inFlight, 2);
    while (gates.length > 0) {
      gates.shift()?.();
      await settle();
    }
    await Promise.all(writes);
    assert.equal(most, 2);
    assert.equal(api.requests.length, 7);
  });
});
