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
    ['unknown version', '{"v":2,"op":"clear"}', /unknown payload version 2/],
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
