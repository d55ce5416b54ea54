import { describe, expect, it } from 'vitest';
import { decodeMemstoreOp, MalformedOp, topLevelSpan } from '../../src/decode/memstore-op.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('memstore op decoder (payload v1)', () => {
  it('keeps the exact value text, including number spelling', () => {
    const op = decodeMemstoreOp(enc('{"v": 1, "op": "set", "key": "k", "value": {"a": 1.50, "b": [1e400, "}"]}}'));
    expect(op.op).toBe('set');
    if (op.op !== 'set') return;
    expect(text(op.key)).toBe('k');
    expect(text(op.value)).toBe('{"a": 1.50, "b": [1e400, "}"]}');
  });

  it('reads bytea keys from key_hex and text keys as UTF-8', () => {
    const a = decodeMemstoreOp(enc('{"v":1,"op":"delete","key_hex":"00ff"}'));
    expect(a).toEqual({ op: 'delete', key: Buffer.from([0, 255]) });
    const b = decodeMemstoreOp(enc('{"v":1,"op":"delete","key":"ü"}'));
    expect(b.op === 'delete' && Buffer.from(b.key).toString('hex')).toBe('c3bc');
    expect(decodeMemstoreOp(enc('{"v":1,"op":"clear"}'))).toEqual({ op: 'clear' });
  });

  it.each([
    ['not JSON', 'set k 1', /not JSON/],
    ['not an object', '[1]', /not a JSON object/],
    ['unknown version', '{"v":3,"op":"clear"}', /unknown payload version 3/],
    ['no version', '{"op":"clear"}', /unknown payload version/],
    ['unknown op', '{"v":1,"op":"incr","key":"a"}', /unknown op "incr"/],
    ['missing key', '{"v":1,"op":"set","value":1}', /missing key/],
    ['key not a string', '{"v":1,"op":"set","key":5,"value":1}', /missing key/],
    ['empty key', '{"v":1,"op":"delete","key":""}', /empty key/],
    ['bad hex', '{"v":1,"op":"delete","key_hex":"abc"}', /not hex/],
    ['set without value', '{"v":1,"op":"set","key":"a"}', /without a value/],
  ])('rejects %s', (_name, payload, message) => {
    expect(() => decodeMemstoreOp(enc(payload))).toThrow(MalformedOp);
    expect(() => decodeMemstoreOp(enc(payload))).toThrow(message);
  });

  it('rejects invalid UTF-8 and oversize payloads without parsing them', () => {
    expect(() => decodeMemstoreOp(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/UTF-8/);
    const limits = { maxKeyBytes: 8, maxValueBytes: 16 };
    expect(() => decodeMemstoreOp(enc(`{"v":1,"op":"set","key":"k","value":"${'x'.repeat(400)}"}`), limits)).toThrow(/exceeds the limit/);
    expect(() => decodeMemstoreOp(enc(`{"v":1,"op":"set","key":"k","value":"${'x'.repeat(20)}"}`), limits)).toThrow(/value of 22 bytes/);
    expect(() => decodeMemstoreOp(enc(`{"v":1,"op":"delete","key":"123456789"}`), limits)).toThrow(/key of 9 bytes/);
  });

  it('finds the last top-level occurrence of a field, ignoring nested ones', () => {
    const t = '{"a": {"value": 1}, "value": [2], "value": "3"}';
    const span = topLevelSpan(t, 'value')!;
    expect(t.slice(span[0], span[1])).toBe('"3"');
  });
});

describe('memstore op decoder (payload v2)', () => {
  it('reads set with an expiry, touch, set_many and delete_prefix', () => {
    const set = decodeMemstoreOp(enc('{"exp": 1767225600123456, "key": "k", "op": "set", "v": 2, "value": {"a": 1.50}}'));
    expect(set.op === 'set' && [text(set.key), text(set.value), set.exp]).toEqual(['k', '{"a": 1.50}', 1767225600123456]);
    // v1 never had an expiry: a hand-made "exp" there is ignored, as v1 readers always did.
    const v1 = decodeMemstoreOp(enc('{"v":1,"op":"set","key":"k","value":1,"exp":5}'));
    expect(v1.op === 'set' && v1.exp).toBe(0);
    expect(decodeMemstoreOp(enc('{"v":2,"op":"touch","key_hex":"00ff","exp":null}'))).toEqual({ op: 'touch', key: Buffer.from([0, 255]), exp: 0 });
    expect(decodeMemstoreOp(enc('{"v":2,"op":"touch","key":"a","exp":42}'))).toMatchObject({ op: 'touch', exp: 42 });
    const many = decodeMemstoreOp(
      enc('{"v": 2, "op": "set_many", "items": [{"key": "a", "value": [1, 2.0]}, {"exp": 9, "key_hex": "62", "value": "}{"}, {"key": "a", "value": {"value": 3}}]}'),
    );
    expect(many.op === 'set_many' && many.items.map((i) => [text(i.key), text(i.value), i.exp])).toEqual([
      ['a', '[1, 2.0]', 0],
      ['b', '"}{"', 9],
      ['a', '{"value": 3}', 0],
    ]);
    expect(decodeMemstoreOp(enc('{"v":2,"op":"set_many","items":[]}'))).toEqual({ op: 'set_many', items: [] });
    expect(decodeMemstoreOp(enc('{"v":2,"op":"delete_prefix","prefix":"user:"}'))).toEqual({ op: 'delete_prefix', prefix: Buffer.from('user:') });
    expect(decodeMemstoreOp(enc('{"v":2,"op":"delete_prefix","prefix_hex":"00"}'))).toEqual({ op: 'delete_prefix', prefix: Buffer.from([0]) });
    expect(decodeMemstoreOp(enc('{"v":2,"op":"clear"}'))).toEqual({ op: 'clear' });
  });

  it.each([
    ['a v2 op in a v1 payload', '{"v":1,"op":"touch","key":"a","exp":1}', /unknown op "touch" in a v1 payload/],
    ['a negative expiry', '{"v":2,"op":"set","key":"a","value":1,"exp":-5}', /"exp" must be a positive integer/],
    ['an expiry past 2^53', '{"v":2,"op":"set","key":"a","value":1,"exp":9007199254740993}', /"exp" must be/],
    ['a text expiry', '{"v":2,"op":"set","key":"a","value":1,"exp":"soon"}', /"exp" must be/],
    ['touch without exp', '{"v":2,"op":"touch","key":"a"}', /touch without "exp"/],
    ['set_many without items', '{"v":2,"op":"set_many"}', /without an "items" array/],
    ['a set_many item that is no object', '{"v":2,"op":"set_many","items":[1]}', /item 0 is not an object/],
    ['a set_many item without value', '{"v":2,"op":"set_many","items":[{"key":"a","value":1},{"key":"b"}]}', /item 1 has no value/],
    ['a set_many item with an empty key', '{"v":2,"op":"set_many","items":[{"key":"","value":1}]}', /item 0: empty key/],
    ['an empty prefix', '{"v":2,"op":"delete_prefix","prefix":""}', /empty prefix/],
    ['a prefix that is no string', '{"v":2,"op":"delete_prefix","prefix":1}', /missing prefix/],
  ])('rejects %s', (_name, payload, message) => {
    expect(() => decodeMemstoreOp(enc(payload))).toThrow(MalformedOp);
    expect(() => decodeMemstoreOp(enc(payload))).toThrow(message);
  });

  it('holds a set_many to the batch limit and each item to the value limit', () => {
    const limits = { maxKeyBytes: 8, maxValueBytes: 16, maxBatchBytes: 200 };
    const items = (n: number): string => JSON.stringify({ v: 2, op: 'set_many', items: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: i })) });
    expect(decodeMemstoreOp(enc(items(5)), limits)).toMatchObject({ op: 'set_many' });
    expect(() => decodeMemstoreOp(enc(items(20)), limits)).toThrow(/exceeds the limit/);
    expect(() => decodeMemstoreOp(enc('{"v":2,"op":"set_many","items":[{"key":"a","value":"0123456789abcdefg"}]}'), limits)).toThrow(/item 0: value of 19 bytes/);
    // Other ops keep the single-op ceiling even when the batch limit is higher.
    expect(() => decodeMemstoreOp(enc(`{"v":2,"op":"set","key":"k","value":"${'x'.repeat(300)}"}`), { ...limits, maxBatchBytes: 10_000 })).toThrow(/exceeds the limit/);
  });
});
