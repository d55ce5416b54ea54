/*
 * memstore-apply.ts — one decoded memstore op (decode/memstore-op.ts) applied to the key space.
 * `touch` takes the commit time: a TTL counts from the primary's commit, as on every sidecar.
 */
import type { MemstoreOp } from '../decode/memstore-op.js';
import type { MemstoreKeys } from '../store/memstore.js';

export function applyMemstoreOp(kv: MemstoreKeys, op: MemstoreOp, commitUs: number): void {
  switch (op.op) {
    case 'set':
      kv.set(op.key, op.value, op.exp);
      break;
    case 'delete':
      kv.delete(op.key);
      break;
    case 'clear':
      kv.clear();
      break;
    case 'touch':
      kv.touch(op.key, op.exp, commitUs);
      break;
    case 'set_many':
      for (const item of op.items) kv.set(item.key, item.value, item.exp);
      break;
    case 'delete_prefix':
      kv.deletePrefix(op.prefix);
      break;
  }
}
