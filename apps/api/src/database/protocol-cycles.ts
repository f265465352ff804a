import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// PGlite has one backend. pglite-socket multiplexes client connections onto it message by
// message and keeps a connection's messages together only while a transaction is open. An
// extended-protocol query outside a transaction is several messages (Parse, Bind, Describe,
// Execute, Sync), so two connections querying at once interleave them: one Parse replaces the
// other's unnamed statement ("bind message supplies 2 parameters, but prepared statement ""
// requires 3"). Prisma's adapter runs every query that way, on a pool of connections.
//
// This keeps each connection's cycle together: from its first extended-protocol message until
// its Sync, the backend serves only that connection, exactly as it already does for an open
// transaction.

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/** The fields of pglite-socket's (unexported) queue that this relies on. */
interface MessageQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

// Parse, Bind, Describe, Execute, Close and Flush continue a cycle that only Sync ends.
const CYCLE_MESSAGES = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);
const SYNC = 0x53;

export function keepProtocolCyclesTogether(server: PGLiteSocketServer): void {
  const q = (server as unknown as { queryQueue?: MessageQueue }).queryQueue;
  if (
    !q ||
    !Array.isArray(q.queue) ||
    typeof q.processQueue !== 'function' ||
    typeof q.clearQueueForHandler !== 'function'
  ) {
    // Fail at start-up, not with corrupted queries under load after an upgrade.
    throw new Error('@electric-sql/pglite-socket changed its message queue; update protocol-cycles.ts');
  }
  /** The connection whose extended-protocol cycle is in progress. */
  let cycleOwner: number | null = null;

  q.processQueue = async () => {
    if (q.processing) return;
    q.processing = true;
    try {
      while (q.queue.length > 0) {
        const owner = cycleOwner ?? (q.db.isInTransaction() ? q.lastHandlerId : null);
        const index = owner === null ? 0 : q.queue.findIndex((m) => m.handlerId === owner);
        if (index === -1) break; // the owner's next message has not arrived yet
        const item = q.queue.splice(index, 1)[0]!;
        const type = item.message[0]!;
        if (CYCLE_MESSAGES.has(type)) cycleOwner = item.handlerId;
        else if (type === SYNC && cycleOwner === item.handlerId) cycleOwner = null;
        let bytes = 0;
        try {
          await q.db.runExclusive(() =>
            q.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          if (cycleOwner === item.handlerId) cycleOwner = null;
          item.reject(error);
          continue;
        }
        q.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      q.processing = false;
    }
  };

  // A connection that goes away in the middle of a cycle must not hold the backend forever.
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (cycleOwner === handlerId) {
      cycleOwner = null;
      void q.processQueue();
    }
  };
}
