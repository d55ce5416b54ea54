/*
 * scan.ts — reading a replicated table: Key Lookup (point reads), Key Range Scan (a walk of part
 * of the key tree), Full Scan (the whole tree), forward or backward (key order = ORDER BY pk).
 *
 * The stored row is a DataRow body in text format. Only the columns the plan references are
 * decoded (column pruning: `needed`, ascending), with their type's input function; the others
 * stay NULL in the row handed up. The scan's own conjuncts run here, before the row leaves.
 *
 * States: bind the key access for this execution (segments) → for each segment, a lookup or a
 * tree walk → decode, filter, yield; PAUSE every time slice. The tree iterator stays valid across
 * a PAUSE only because the driver restarts the statement when the table changed (run.ts).
 */
import { SqlError } from '../../../errors.js';
import { SQLSTATE } from '../../../pgwire/sqlstate.js';
import type { Datum } from '../../types/datum.js';
import { typeInfo, type EvalSettings, type TypeInfo } from '../../types/registry.js';
import type { Fn } from '../eval.js';
import { bindKeyAccess, type KeyAccess, type Segment } from '../key-access.js';
import type { PhysNode } from '../node.js';
import { PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';

export interface ScanColumn {
  readonly type: number;
  readonly typmod: number;
}

/** UTF-8 text of bytes [start, end) of a row; short ASCII without a Buffer. */
function text(row: Uint8Array, buf: Buffer, start: number, end: number): string {
  if (end - start <= 16) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = row[i]!;
      if (c >= 0x80) return buf.toString('utf8', start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return buf.toString('utf8', start, end);
}

/** Decodes the needed columns (ascending positions) of a stored row into a full-width Row. */
export function decoder(columns: readonly ScanColumn[], needed: readonly number[]): (row: Uint8Array, s: EvalSettings) => Row {
  const width = columns.length;
  const infos: TypeInfo[] = columns.map((c) => typeInfo(c.type));
  const last = needed.length === 0 ? -1 : needed[needed.length - 1]!;
  const want = new Uint8Array(width);
  for (const i of needed) want[i] = 1;
  return (row, s) => {
    const out = new Array<Datum>(width).fill(null);
    if (last < 0) return out;
    const buf = Buffer.from(row.buffer, row.byteOffset, row.byteLength);
    const n = ((row[0]! << 8) | row[1]!) << 16 >> 16;
    let pos = 2;
    for (let c = 0; c < n && c <= last; c++) {
      const len = (row[pos]! << 24) | (row[pos + 1]! << 16) | (row[pos + 2]! << 8) | row[pos + 3]!;
      if (want[c] === 1 && len >= 0) out[c] = infos[c]!.input(text(row, buf, pos + 4, pos + 4 + len), columns[c]!.typmod, s);
      pos += 4 + (len > 0 ? len : 0);
    }
    return out;
  };
}

export class ScanOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[] = [];
  private readonly decode: (row: Uint8Array, s: EvalSettings) => Row;
  constructor(
    readonly tableOid: number,
    readonly qualified: string,
    refName: string,
    private readonly columns: readonly ScanColumn[],
    needed: readonly number[],
    private readonly keyTypes: readonly number[],
    private readonly access: KeyAccess | null,
    private readonly filter: Fn | null,
    readonly reverse: boolean,
    readonly details: readonly string[],
  ) {
    const kind = access === null ? 'Full Scan' : access.eq.length === keyTypes.length ? 'Key Lookup' : 'Key Range Scan';
    const alias = refName !== qualified.split('.').pop() ? ` ${refName}` : '';
    this.name = `${kind}${reverse ? ' Backward' : ''} on ${qualified.split('.').pop()}${alias}`;
    this.decode = decoder(columns, needed);
  }

  *run(rt: Runtime): Rows {
    const t = rt.table(this.tableOid, this.qualified);
    if (t.state.relation.columns.length !== this.columns.length) {
      throw new SqlError(SQLSTATE.feature_not_supported, 'cached plan must not change result type');
    }
    const segments: Segment[] | null = this.access === null ? [{ range: this.reverse ? { reverse: true } : {} }] : bindKeyAccess(this.access, this.keyTypes, rt, this.reverse);
    if (segments === null) return;
    const decode = this.decode;
    const filter = this.filter;
    const settings = rt.settings;
    const rows = t.rows;
    for (const seg of segments) {
      if ('point' in seg) {
        const v = rows.get(seg.point);
        if (v === undefined) continue;
        const r = decode(v, settings);
        if (filter === null || filter(r, rt) === true) yield r;
        if (rt.shouldPause()) yield PAUSE;
        continue;
      }
      for (const [, v] of rows.entries(seg.range)) {
        const r = decode(v, settings);
        if (filter === null || filter(r, rt) === true) yield r;
        if (rt.shouldPause()) yield PAUSE;
      }
    }
  }
}
