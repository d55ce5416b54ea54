/*
 * The pgoutput decoder on hand-built messages: layouts, LSNs as bigints, and — the property the
 * apply loop depends on — nothing it returns aliases the input, which node-postgres reuses.
 */
import { describe, expect, it } from 'vitest';
import { decodePgoutput, DecodeError } from '../../src/decode/pgoutput.js';
import { columnValue } from '../../src/store/row.js';

function message(prefix: string, content: string): Buffer {
  const p = Buffer.from(prefix + '\0');
  const c = Buffer.from(content);
  const b = Buffer.alloc(1 + 1 + 8 + p.length + 4 + c.length);
  let o = 0;
  b[o++] = 0x4d; // M
  b[o++] = 1; // transactional
  b.writeBigUInt64BE(0x1_0000_0010n, o);
  o += 8;
  p.copy(b, o);
  o += p.length;
  b.writeInt32BE(c.length, o);
  o += 4;
  c.copy(b, o);
  return b;
}

/** values: text, null for NULL, or undefined for an unchanged TOAST value. */
function insert(oid: number, values: (string | null | undefined)[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x49]), Buffer.alloc(4), Buffer.from([0x4e]), Buffer.alloc(2)];
  parts[1]!.writeUInt32BE(oid);
  parts[3]!.writeInt16BE(values.length);
  for (const v of values) {
    if (v === null) parts.push(Buffer.from('n'));
    else if (v === undefined) parts.push(Buffer.from('u'));
    else {
      const len = Buffer.alloc(5);
      len[0] = 0x74;
      len.writeInt32BE(Buffer.byteLength(v), 1);
      parts.push(len, Buffer.from(v));
    }
  }
  return Buffer.concat(parts);
}

describe('pgoutput decoder', () => {
  it('decodes a logical message, with its LSN as a 64-bit number', () => {
    const m = decodePgoutput(message('memstore', '{"v":1}'));
    expect(m).toMatchObject({ tag: 'message', transactional: true, lsn: 0x1_0000_0010n, prefix: 'memstore' });
  });

  it('returns nothing that aliases the input buffer (node-postgres reuses it)', () => {
    const buf = message('memstore', '{"v":1,"op":"clear"}');
    const m = decodePgoutput(buf.subarray(0)); // a Buffer view, as node-postgres hands out
    const ins = insert(16384, ['42', null, undefined, 'text']);
    const i = decodePgoutput(ins);
    buf.fill(0);
    ins.fill(0);
    expect(m.tag === 'message' && Buffer.from(m.content).toString()).toBe('{"v":1,"op":"clear"}');
    expect(i.tag).toBe('insert');
    if (i.tag !== 'insert') return;
    expect(Buffer.from(columnValue(i.newTuple, 0)!).toString()).toBe('42');
    expect(columnValue(i.newTuple, 1)).toBeNull();
    expect(columnValue(i.newTuple, 2)).toBeUndefined(); // unchanged TOAST marker
    expect(Buffer.from(columnValue(i.newTuple, 3)!).toString()).toBe('text');
  });

  it('refuses truncated and unknown messages', () => {
    const full = message('memstore', 'x');
    expect(() => decodePgoutput(full.subarray(0, full.length - 2))).toThrow(DecodeError);
    expect(() => decodePgoutput(Buffer.from([0x5a]))).toThrow(/unknown pgoutput message type 0x5a/);
    expect(() => decodePgoutput(insert(1, ['1']).subarray(0, 9))).toThrow(/truncated/);
  });
});
