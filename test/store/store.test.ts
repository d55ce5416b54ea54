import { describe, it, expect } from 'vitest';
import { Oid } from '../../src/pg/types.js';
import type { Relation } from '../../src/pg/relation.js';
import { RadixTree } from '../../src/store/art.js';
import { encodeKey } from '../../src/store/key-codec.js';
import { buildRow } from '../../src/store/row.js';
import { rowKey, Store } from '../../src/store/store.js';
import { UNCHANGED_LENGTH } from '../../src/pg/row-format.js';

const u8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// A composite key declared (b, a): pgoutput flags a and b in column order, keyOrder puts b first.
const relation: Relation = {
  oid: 1,
  schema: 'public',
  name: 't',
  replicaIdentity: 'default',
  columns: [
    { name: 'a', isKey: true, typeOid: Oid.int4, typeMod: -1 },
    { name: 'v', isKey: false, typeOid: Oid.text, typeMod: -1 },
    { name: 'b', isKey: true, typeOid: Oid.text, typeMod: -1 },
  ],
};

describe('rowKey', () => {
  const store = new Store(() => new RadixTree());
  const t = store.createTable(relation, ['b', 'a']);

  it('encodes the key columns in key order', () => {
    const row = buildRow([u8('7'), u8('x'), u8('k')]);
    expect(rowKey(t, row)).toEqual(encodeKey([Oid.text, Oid.int4], [u8('k'), u8('7')]));
  });

  it('names the table and column when a key column is NULL', () => {
    const row = buildRow([u8('7'), u8('x'), null]);
    expect(() => rowKey(t, row)).toThrow('public.t: key column b is NULL or unchanged in a change');
  });

  it('refuses an unchanged-TOAST marker in a key column', () => {
    // Neither NULL nor the marker has value bytes: turn a NULL's length word (column a's, right
    // after the int16 column count) into the marker, as the decoder writes it.
    const row = buildRow([null, u8('x'), u8('k')]);
    new DataView(row.buffer).setInt32(2, UNCHANGED_LENGTH);
    expect(() => rowKey(t, row)).toThrow('public.t: key column a is NULL or unchanged in a change');
  });
});
