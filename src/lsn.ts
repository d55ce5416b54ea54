/*
 * LSNs are 64-bit WAL positions. Inside the program they are bigints; the `X/X` text form exists
 * only at the edges (SQL, logs, config). Never compare LSN strings: the same position has several
 * spellings (`0/1585CE0`, `00000000/01585CE0`).
 */

export type Lsn = bigint;

export const INVALID_LSN: Lsn = 0n;

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): Lsn {
  const m = LSN_TEXT.exec(text.trim());
  if (!m) throw new RangeError(`invalid LSN "${text}": expected the form X/X in hex`);
  return (BigInt('0x' + m[1]!) << 32n) | BigInt('0x' + m[2]!);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export function maxLsn(a: Lsn, b: Lsn): Lsn {
  return a > b ? a : b;
}
