/*
 * The memstore.ddl payload decoder: what sql/memstore.sql's event triggers emit decodes; anything
 * else is a MalformedDdl (quarantined by the applier), never another exception.
 */
import { describe, expect, it } from 'vitest';
import { decodeDdlMessage, MalformedDdl } from '../../src/decode/ddl-message.js';

const enc = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');

describe('decodeDdlMessage', () => {
  it('decodes what the triggers emit', () => {
    const m = decodeDdlMessage(
      enc({
        v: 1,
        tag: 'ALTER TABLE',
        relations: [
          { oid: 16385, schema: 'public', name: 't', publications: ['memstore'], identity: 'd', key: ['id'], columns: [['id', 23, -1], ['n', 1700, 655366]] },
          { oid: 16390, schema: 's', name: 'u', dropped: true },
          { oid: 16391, schema: 's', name: 'w', rewrite: true },
        ],
      }),
    );
    expect(m.tag).toBe('ALTER TABLE');
    expect(m.relations[0]).toEqual({
      oid: 16385,
      schema: 'public',
      name: 't',
      dropped: false,
      rewrite: false,
      partitioned: false,
      publications: ['memstore'],
      identity: 'default',
      key: ['id'],
      columns: [
        { name: 'id', typeOid: 23, typeMod: -1 },
        { name: 'n', typeOid: 1700, typeMod: 655366 },
      ],
    });
    expect(m.relations[1]).toMatchObject({ dropped: true, columns: undefined, publications: undefined });
    expect(m.relations[2]).toMatchObject({ rewrite: true });
  });

  it.each([
    ['not JSON', '{'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['an array', []],
    ['another version', { v: 2, tag: 'X', relations: [] }],
    ['no tag', { v: 1, relations: [] }],
    ['relations not an array', { v: 1, tag: 'X', relations: {} }],
    ['a negative oid', { v: 1, tag: 'X', relations: [{ oid: -1, schema: 's', name: 'n' }] }],
    ['an oid past 2^32', { v: 1, tag: 'X', relations: [{ oid: 2 ** 32, schema: 's', name: 'n' }] }],
    ['a fractional oid', { v: 1, tag: 'X', relations: [{ oid: 1.5, schema: 's', name: 'n' }] }],
    ['no name', { v: 1, tag: 'X', relations: [{ oid: 1, schema: 's' }] }],
    ['an empty schema', { v: 1, tag: 'X', relations: [{ oid: 1, schema: '', name: 'n' }] }],
    ['a bad identity', { v: 1, tag: 'X', relations: [{ oid: 1, schema: 's', name: 'n', identity: 'x' }] }],
    ['a bad column', { v: 1, tag: 'X', relations: [{ oid: 1, schema: 's', name: 'n', columns: [['a', 'int', -1]] }] }],
    ['dropped not a boolean', { v: 1, tag: 'X', relations: [{ oid: 1, schema: 's', name: 'n', dropped: 'yes' }] }],
    ['a relation that is null', { v: 1, tag: 'X', relations: [null] }],
  ])('refuses %s', (_what, payload) => {
    expect(() => decodeDdlMessage(payload instanceof Buffer ? payload : enc(payload))).toThrow(MalformedDdl);
  });
});
