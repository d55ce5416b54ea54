/*
 * raw-message.ts — what the applier reads from a raw pgoutput message before decoding it: the
 * relation oid of a row change, and whether applying it may keep it past its transaction.
 */
import type { Store } from '../store/store.js';

/** Big-endian uint32 at `at` (an oid in a pgoutput message), without a DataView per message. */
export function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/**
 * Whether applying this raw message may keep (a view of) it beyond the transaction: a row change
 * or Relation of a table that is syncing or not in the store is held; other message kinds are
 * rare enough to be copied always.
 */
export function mayBeHeld(store: Store, raw: Uint8Array): boolean {
  const tag = raw[0];
  if (tag !== 0x49 && tag !== 0x55 && tag !== 0x44 && tag !== 0x52) return true; // I U D R
  const t = store.tables.get(u32(raw, 1));
  return t === undefined || t.status === 'syncing';
}
