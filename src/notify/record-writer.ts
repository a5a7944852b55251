// Record writes, one object at a time: deliveries that finish together for one object are
// written in one patch, and two writes for one object never race each other.
import type { KubeClients } from '../kube/api-clients.ts';
import { messageOf } from '../kube/errors.ts';
import type { Logger } from '../kube/logger.ts';
import type { ObjectRef } from '../kube/object.ts';
import { writeRecord, type RecordWrite } from './record.ts';

export interface RecordWriter {
  add(objectKey: string, ref: ObjectRef, write: RecordWrite): Promise<void>;
  /** Resolves once every write added so far is done. */
  idle(): Promise<void>;
}

interface Pending {
  readonly ref: ObjectRef;
  writes: RecordWrite[];
  running: Promise<void>;
}

export function makeRecordWriter(clients: Pick<KubeClients, 'discovery' | 'request'>, logger: Logger): RecordWriter {
  const pending = new Map<string, Pending>();
  const flush = async (objectKey: string, entry: Pending): Promise<void> => {
    // Let deliveries finishing in the same turn join this patch.
    await Promise.resolve();
    while (entry.writes.length > 0) {
      const batch = entry.writes;
      entry.writes = [];
      try {
        await writeRecord(clients, entry.ref, batch);
      } catch (error) {
        // Not fatal: this process still remembers the deliveries; a restart may send them again.
        logger.error({ kind: entry.ref.kind, namespace: entry.ref.namespace, name: entry.ref.name, err: messageOf(error) }, 'could not record delivered notifications on the object');
      }
    }
    pending.delete(objectKey);
  };
  return {
    add(objectKey, ref, write) {
      const entry = pending.get(objectKey);
      if (entry !== undefined) {
        entry.writes.push(write);
        return entry.running;
      }
      const created: Pending = { ref, writes: [write], running: Promise.resolve() };
      pending.set(objectKey, created);
      created.running = flush(objectKey, created);
      return created.running;
    },
    async idle() {
      await Promise.all([...pending.values()].map((p) => p.running));
    },
  };
}
