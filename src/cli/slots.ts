/*
 * slots.ts — `memstore-sidecar slots`: this project's replication slots on the source, and
 * dropping one whose sidecar is gone for good.
 *
 *   memstore-sidecar slots [--source URL] [--prefix memstore_] [--json]
 *   memstore-sidecar slots drop NAME [--source URL] [--prefix memstore_]
 *
 * "This project's slots" are the pgoutput slots of the source URL's database whose name starts
 * with the prefix (every sidecar's default slot is memstore_<id>). Each line shows whether a
 * sidecar holds the slot now, how far its confirmed position is behind the source (lag) and how
 * much WAL the source keeps for it (retained: current WAL position − restart_lsn), its wal_status
 * (`lost` = invalidated, its sidecar will copy afresh), since when it is inactive (PostgreSQL 17)
 * and whether it is a failover slot.
 *
 * drop refuses an active slot (a running sidecar would lose its stream and copy everything
 * afresh) and a slot outside the prefix (it may be another tool's subscription).
 *
 * Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad command line.
 */
import { parseArgs } from 'node:util';
import { formatLsn } from '../lsn.js';
import { sqlClient } from '../replication/connection.js';
import { dropSlot, listProjectSlots, type ProjectSlot } from '../replication/slot.js';
import { PROJECT_SLOT_PREFIX } from '../sidecar/slot-watch.js';
import { SETTINGS } from './config.js';

export interface SlotsIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const USAGE = `usage: memstore-sidecar slots [--source URL] [--prefix PREFIX] [--json]
       memstore-sidecar slots drop NAME [--source URL] [--prefix PREFIX]

  --source URL     the PostgreSQL the sidecars follow (env ${SETTINGS.source.env})
  --prefix PREFIX  which slot names belong to this project [${PROJECT_SLOT_PREFIX}]
  --json           one JSON object per slot instead of a table`;

export async function runSlots(argv: readonly string[], env: NodeJS.ProcessEnv, io: SlotsIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { source: { type: 'string' }, prefix: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.err(`memstore-sidecar slots: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE + '\n');
    return 0;
  }
  const source = values.source ?? (env[SETTINGS.source.env] || undefined);
  const prefix = values.prefix ?? PROJECT_SLOT_PREFIX;
  const [command, name, ...rest] = positionals;
  const isDrop = command === 'drop';
  if ((command !== undefined && !isDrop) || (isDrop && (name === undefined || rest.length > 0))) {
    io.err(`memstore-sidecar slots: ${isDrop ? 'drop takes exactly one slot name' : `unknown sub-command "${command}"`}\n\n${USAGE}\n`);
    return 2;
  }
  if (source === undefined) {
    io.err(`memstore-sidecar slots: give --source URL (or ${SETTINGS.source.env}): the PostgreSQL the sidecars follow\n`);
    return 2;
  }

  const client = sqlClient({ url: source, applicationName: 'memstore-sidecar slots' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if (!isDrop) {
      const slots = await listProjectSlots(client, prefix);
      io.out(values.json ? slots.map((s) => JSON.stringify(slotJson(s))).join('\n') + (slots.length ? '\n' : '') : slotTable(slots, prefix));
      return 0;
    }
    return await drop(client, name!, prefix, io);
  } catch (err) {
    io.err(`memstore-sidecar slots: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function drop(client: ReturnType<typeof sqlClient>, name: string, prefix: string, io: SlotsIo): Promise<number> {
  if (!name.startsWith(prefix)) {
    io.err(`memstore-sidecar slots: refusing to drop "${name}": it is not a slot of this project (names start with "${prefix}"; see --prefix)\n`);
    return 1;
  }
  const slot = (await listProjectSlots(client, name)).find((s) => s.name === name);
  if (slot === undefined) {
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
    io.err(`memstore-sidecar slots: no slot "${name}" of this project in database "${db}"\n`);
    return 1;
  }
  if (slot.active) {
    io.err(
      `memstore-sidecar slots: refusing to drop "${name}": it is active (walsender pid ${slot.activePid ?? '?'}), so its sidecar is running. ` +
        'Stop that sidecar first; dropping the slot under it would make it copy every table afresh.\n',
    );
    return 1;
  }
  try {
    await dropSlot(client, name);
  } catch (err) {
    // It became active between the look and the drop: PostgreSQL refuses too (55006).
    io.err(`memstore-sidecar slots: could not drop "${name}": ${(err as Error).message}\n`);
    return 1;
  }
  io.out(`dropped slot ${name} (it held ${bytes(slot.retainedBytes)} of WAL)\n`);
  return 0;
}

function slotJson(s: ProjectSlot): Record<string, unknown> {
  return {
    slot: s.name,
    active: s.active,
    active_pid: s.activePid,
    restart_lsn: s.restartLsn === null ? null : formatLsn(s.restartLsn),
    confirmed_flush_lsn: s.confirmedFlushLsn === null ? null : formatLsn(s.confirmedFlushLsn),
    lag_bytes: s.lagBytes,
    retained_wal_bytes: s.retainedBytes,
    wal_status: s.walStatus,
    inactive_since: s.inactiveSince?.toISOString() ?? null,
    failover: s.failover,
  };
}

const HEADERS = ['slot', 'active', 'pid', 'restart_lsn', 'confirmed_flush', 'lag', 'retained_wal', 'wal_status', 'inactive_since', 'failover'];

function slotTable(slots: readonly ProjectSlot[], prefix: string): string {
  if (slots.length === 0) return `no slots starting with "${prefix}" in this database\n`;
  const rows = slots.map((s) => [
    s.name,
    s.active ? 'yes' : 'no',
    s.activePid === null ? '' : String(s.activePid),
    s.restartLsn === null ? '' : formatLsn(s.restartLsn),
    s.confirmedFlushLsn === null ? '' : formatLsn(s.confirmedFlushLsn),
    bytes(s.lagBytes),
    bytes(s.retainedBytes),
    s.walStatus ?? '',
    s.inactiveSince === null ? '' : s.inactiveSince.toISOString().replace(/\.\d+Z$/, 'Z'),
    s.failover ? 'yes' : 'no',
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(HEADERS), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** Bytes as PostgreSQL's pg_size_pretty writes them (bytes, kB, MB, GB, TB; 1024-based). */
export function bytes(n: number | null): string {
  if (n === null) return '';
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 10 * 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Math.round(v)} ${units[u]}`;
}
