/*
 * dynamic.ts — the copied relations whose rows are the sidecar's own state, not the primary's:
 *
 *   pg_settings           the primary's rows (descriptions, units, enum values, contexts) for the
 *                         parameters the sidecar knows, `setting` replaced by the session's value
 *   pg_stat_user_tables   the primary's rows for the held tables, n_live_tup = rows in the store,
 *   (pg_stat_all_tables)  n_dead_tup = 0 (the store holds no dead rows)
 *
 * They are built for one plan from the snapshot's copy and the session/store at bind time; a plan
 * reading one is re-made at each execution (sql-plan.ts), so a SET or a write shows at once.
 *
 * Left out: pg_stat_activity (the engine does not see the other connections), the primary's
 * scan/tuple counters of pg_stat_user_tables (kept as the primary's: the sidecar counts none).
 */
import type { CopiedTable } from './read.js';
import { virtualState, type VirtualRelation } from './snapshot.js';

export interface DynamicSources {
  /** The session's value of a parameter as SHOW prints it; undefined when the sidecar has none. */
  setting(name: string): string | undefined;
  /** Rows the store holds for a replicated table. */
  rowCount(oid: number): number | undefined;
}

const DYNAMIC = new Set(['pg_catalog.pg_settings', 'pg_catalog.pg_stat_user_tables', 'pg_catalog.pg_stat_all_tables']);

export function isDynamicRelation(schema: string, name: string): boolean {
  return DYNAMIC.has(`${schema}.${name}`);
}

const MEMORY: Readonly<Record<string, number>> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** SHOW's text ("4MB", "30s") in pg_settings' unit ("kB", "8kB", "ms"), as pg_settings prints it. */
export function inSettingUnit(value: string, unit: string | null): string {
  if (unit === null) return value;
  const m = /^\s*(-?[0-9.]+)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (m === null || m[2] === '') return value;
  const u = /^([0-9]*)([a-zA-Z]+)$/.exec(unit);
  if (u === null) return value;
  const scale = u[1] === '' ? 1 : Number(u[1]);
  const table = MEMORY[u[2]!] !== undefined ? MEMORY : TIME;
  const from = table[m[2]!];
  const to = table[u[2]!];
  if (from === undefined || to === undefined) return value;
  return String(Math.round((Number(m[1]) * from) / (to * scale)));
}

function column(t: CopiedTable, name: string): number {
  return t.columns.findIndex((c) => c.name === name);
}

/** The relation for this plan, or undefined when it is not a dynamic one or was not copied. */
export function dynamicRelation(base: VirtualRelation, copied: CopiedTable, src: DynamicSources): VirtualRelation {
  let rows: (string | null)[][];
  if (copied.name === 'pg_settings') {
    const [name, setting, unit] = [column(copied, 'name'), column(copied, 'setting'), column(copied, 'unit')];
    rows = [];
    for (const r of copied.rows) {
      const v = src.setting(r[name]!.toLowerCase());
      if (v === undefined) continue;
      const out = [...r];
      out[setting] = inSettingUnit(v, r[unit] ?? null);
      rows.push(out);
    }
  } else {
    const [relid, live, dead] = [column(copied, 'relid'), column(copied, 'n_live_tup'), column(copied, 'n_dead_tup')];
    rows = copied.rows.map((r) => {
      const out = [...r];
      const n = src.rowCount(Number(r[relid]));
      if (n !== undefined) out[live] = String(n);
      out[dead] = '0';
      return out;
    });
  }
  return { ...base, state: virtualState({ ...copied, rows }, base.keyColumns) };
}
