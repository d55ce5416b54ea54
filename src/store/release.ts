/*
 * release.ts — hands large ArrayBuffers back to the system now, instead of at V8's next full GC.
 *
 * A tree's memory is a few typed arrays off the V8 heap. When a dump is done with its clone of
 * the store (as big as the store), the clone becomes garbage, but V8 frees an ArrayBuffer's
 * backing store only once a full GC has found it dead, and nothing forces one soon: RSS stayed at
 * twice the store after a dump until some later collection (issue #13: a 1M-row DELETE right
 * after a dump peaked 40 MB over its bound with the dump's clone still resident).
 *
 * How: the buffers are transferred in a message to a MessageChannel that is closed at once. The
 * transfer detaches them (every view of them reads as empty from then on) and moves their
 * backing stores into the queued message, which is destroyed with the channel, freeing them on
 * the next turn of the event loop. Node 20 has no ArrayBuffer.prototype.transfer(); a
 * structuredClone() transfer would only move them into new garbage.
 *
 * Only for buffers nothing else reads: the caller owns them outright (a dump's clones). Buffers
 * that cannot be transferred (shared, empty, already detached) are left to the GC. Node's pooled
 * small Buffers share one ArrayBuffer: never pass their .buffer here.
 */
import { MessageChannel } from 'node:worker_threads';

export function releaseBuffers(buffers: Iterable<ArrayBufferLike>): void {
  const list = new Set<ArrayBuffer>();
  for (const b of buffers) {
    if (b instanceof ArrayBuffer && b.byteLength > 0) list.add(b);
  }
  if (list.size === 0) return;
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [...list]);
  port1.close();
  port2.close();
}
