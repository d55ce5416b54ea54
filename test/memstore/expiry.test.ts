/*
 * Expiry end to end on a real PostgreSQL 17 primary and an in-process sidecar: a key set with a
 * ttl disappears from every read at once (get, list, count, memstore.kv, COPY), touch moves the
 * expiry, the sweeper gives the memory back after a mass expiry (measured with
 * memstore.memory_usage()), and dumps keep expiries — also in a dump of a key already expired,
 * and in dumps written before expiry existed.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { formatLsn } from '../../src/lsn.js';
import { loadNewestDump } from '../../src/snapshot/load.js';
import { RadixTree } from '../../src/store/art.js';
import { expiryOf, nowMicros } from '../../src/store/memstore.js';
import { ExpirySweeper } from '../../src/store/memstore-sweeper.js';
import { Store } from '../../src/store/store.js';
import { waitFor } from '../support/wait.js';
import { startRig, type MemstoreRig } from './support.js';

let rig: MemstoreRig;
let side: pg.Client;
const primary = (): pg.Client => rig.db.client;
const quiet = createLogger({ level: 'error', write: () => undefined });

beforeAll(async () => {
  rig = await startRig('mexpiry');
  side = await rig.client();
});

afterAll(async () => {
  await rig?.close();
});

async function one(sql: string, params?: unknown[]): Promise<unknown> {
  return ((await side.query({ text: sql, values: params, rowMode: 'array' })).rows as unknown[][])[0]?.[0];
}

async function copyText(sql: string): Promise<string> {
  const { to } = await import('pg-copy-streams');
  const chunks: Buffer[] = [];
  for await (const c of side.query(to(sql))) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('expiry', () => {
  it('hides an expired key from every read at once', async () => {
    await primary().query(`SELECT memstore.set('soon', '"bye"', '1 second'), memstore.set('stay', '"hi"')`);
    await rig.caughtUp();
    expect(await one(`SELECT memstore.get('soon')`)).toBe('"bye"');
    expect(await one(`SELECT count(*) FROM memstore.kv WHERE expires_at IS NOT NULL`)).toBe('1');
    await waitFor(async () => (await one(`SELECT memstore.get('soon')`)) === null, 10_000, "'soon' to expire");
    expect(await one(`SELECT memstore.count()`)).toBe('1');
    expect(await one(`SELECT count(*) FROM memstore.list()`)).toBe('1');
    expect(await one(`SELECT count(*) FROM memstore.kv`)).toBe('1');
    expect(await one(`SELECT count(*) FROM memstore.kv WHERE key = 'soon'`)).toBe('0');
    expect(await copyText('COPY memstore TO STDOUT')).toBe('\\\\x73746179\t"hi"\n');
    expect(await copyText('COPY memstore.kv TO STDOUT')).toBe('\\\\x73746179\t"hi"\t\\N\n');
    const stats = JSON.parse((await one('SELECT memstore.stats()')) as string) as { memstore_keys: number };
    expect(stats.memstore_keys).toBe(1);
  });

  it('touch moves an expiry, or removes it with a NULL ttl; a key gone by then stays gone', async () => {
    await primary().query(`SELECT memstore.set('t1', '1', '2 seconds'), memstore.set('t2', '2', '2 seconds')`);
    await primary().query(`SELECT memstore.touch('t1', '1 hour'), memstore.touch('t2', NULL), memstore.touch('never-set', '1 hour')`);
    await rig.caughtUp();
    const t1 = (await one(`SELECT expires_at FROM memstore.kv WHERE key = 't1'`)) as string;
    expect(Date.parse(t1.replace(' ', 'T').replace(/\+00$/, 'Z')) - Date.now()).toBeGreaterThan(3_000_000);
    expect(await one(`SELECT expires_at FROM memstore.kv WHERE key = 't2'`)).toBeNull();
    expect(await one(`SELECT memstore.get('never-set')`)).toBeNull();
  });

  it('reclaims the memory of a mass expiry in the background', async () => {
    const base = Number(await one('SELECT memstore.memory_usage()'));
    await primary().query(
      `SELECT memstore.set_many((SELECT jsonb_agg(jsonb_build_object('key', 'sess:' || i, 'value', jsonb_build_object('user', i, 'pad', repeat('x', 200)))) FROM generate_series(1, 20000) i))`,
    );
    await rig.caughtUp();
    const peak = Number(await one('SELECT memstore.memory_usage()'));
    expect(await one(`SELECT memstore.count('sess:')`)).toBe('20000');
    expect(peak - base).toBeGreaterThan(20000 * 200);
    // The expiry is given only now, so a slow apply of the 20,000 keys cannot outlast it.
    await primary().query(`SELECT count(memstore.touch('sess:' || i, '1 second')) FROM generate_series(1, 20000) i`);
    await rig.caughtUp();
    await waitFor(async () => (await one(`SELECT memstore.count('sess:')`)) === '0', 10_000, 'every sess: key to expire');
    // Any commit after the expiry moves the stream clock past it: the sweeper may now delete.
    await primary().query(`SELECT memstore.set('tick', '1')`);
    await rig.caughtUp();
    await waitFor(
      async () => {
        const s = JSON.parse((await one('SELECT memstore.stats()')) as string) as { memstore: { expired: number; expired_pending: number } };
        return s.memstore.expired >= 20000 && s.memstore.expired_pending === 0;
      },
      15_000,
      'the sweeper to delete the 20,000 expired keys',
    );
    const after = Number(await one('SELECT memstore.memory_usage()'));
    if (process.env.MEMSTORE_TEST_REPORT) process.stderr.write(`memory_usage: base ${base}, 20k keys ${peak}, after sweep ${after}\n`);
    expect(after).toBeLessThan(base + (peak - base) / 4);
    expect(rig.sidecar.store.memstore.size).toBeLessThan(10);
  });
});

describe('expiry in dumps', () => {
  it('keeps expiries across a restart, and a dumped key that has since expired stays expired', async () => {
    await primary().query(`SELECT memstore.set('d:long', '"l"', '1 hour'), memstore.set('d:short', '"s"', '2 seconds'), memstore.set('d:none', '"n"')`);
    await rig.caughtUp();
    const longAt = await one(`SELECT expires_at FROM memstore.kv WHERE key = 'd:long'`);
    const lsn = (await one('SELECT memstore.save()')) as string;
    const dumpDir = path.join(rig.dataDir, 'dumps', readdirSync(path.join(rig.dataDir, 'dumps')).sort().pop()!);
    expect(readFileSync(path.join(dumpDir, 'manifest.json'), 'utf8')).toContain('"expires_at"');
    const copy = readFileSync(path.join(dumpDir, 'memstore.copy'), 'utf8');
    expect(copy).toContain(`\\\\x643a6c6f6e67\t"l"\t${String(longAt)}\n`);
    expect(copy).toContain('\\\\x643a6e6f6e65\t"n"\t\\N\n');
    const keep = mkdtempSync(path.join(os.tmpdir(), 'memstore-kept-dump-'));
    try {
      cpSync(dumpDir, path.join(keep, path.basename(dumpDir)), { recursive: true });
      await rig.restart();
      side = await rig.client();
      expect(await one(`SELECT expires_at FROM memstore.kv WHERE key = 'd:long'`)).toBe(longAt);
      expect(await one(`SELECT count(*) FROM memstore.kv WHERE key LIKE 'd:%'`)).not.toBe('0');
      // Once d:short expired and was swept here, the dump taken before still has it — expired.
      await waitFor(async () => (await one(`SELECT memstore.get('d:short')`)) === null, 10_000, "'d:short' to expire");
      for (const fromImage of [true, false]) {
        if (!fromImage) for (const f of readdirSync(path.join(keep, path.basename(dumpDir)))) if (f.endsWith('.art')) rmSync(path.join(keep, path.basename(dumpDir), f));
        if (!fromImage) rewriteManifestWithoutImages(path.join(keep, path.basename(dumpDir)));
        const store = new Store(() => new RadixTree());
        const loaded = await loadNewestDump(store, keep, () => new RadixTree(), quiet);
        expect(formatLsn(loaded!.lsn)).toBe(lsn);
        const raw = store.memstore.get(Buffer.from('d:short'));
        expect(raw && expiryOf(raw)).toBeGreaterThan(0);
        expect(store.kv.get(Buffer.from('d:short'), nowMicros())).toBeUndefined();
        expect(store.kv.get(Buffer.from('d:long'), nowMicros())).toBeDefined();
        store.streamClock = BigInt(nowMicros() - 946_684_800_000_000);
        expect(new ExpirySweeper(store, { marginMs: 0 }).sweepNow()).toBeGreaterThanOrEqual(1);
        expect(store.memstore.get(Buffer.from('d:short'))).toBeUndefined();
        expect(store.memstore.get(Buffer.from('d:long'))).toBeDefined();
      }
    } finally {
      rmSync(keep, { recursive: true, force: true });
    }
  });

  it('loads a dump written before expiry existed: (key, value) rows, keys without expiry', async () => {
    await primary().query(`SELECT memstore.set('old:a', '{"x": 1}'), memstore.set('old:b', '[2]', '1 hour')`);
    await rig.caughtUp();
    await one('SELECT memstore.save()');
    const dumps = path.join(rig.dataDir, 'dumps');
    const src = path.join(dumps, readdirSync(dumps).sort().pop()!);
    const old = mkdtempSync(path.join(os.tmpdir(), 'memstore-old-dump-'));
    try {
      const dir = path.join(old, path.basename(src));
      cpSync(src, dir, { recursive: true });
      const lines = readFileSync(path.join(dir, 'memstore.copy'), 'utf8').split('\n').filter((l) => l !== '');
      writeFileSync(path.join(dir, 'memstore.copy'), lines.map((l) => l.split('\t').slice(0, 2).join('\t') + '\n').join(''));
      for (const f of readdirSync(dir)) if (f.endsWith('.art')) rmSync(path.join(dir, f));
      rewriteManifestWithoutImages(dir, true);
      const store = new Store(() => new RadixTree());
      expect(await loadNewestDump(store, old, () => new RadixTree(), quiet)).toBeDefined();
      expect(Buffer.from(store.kv.get(Buffer.from('old:a'), nowMicros())!).toString()).toBe('{"x": 1}');
      expect(store.kv.lookup(Buffer.from('old:b'), nowMicros())).toMatchObject({ expUs: 0 });
      expect(store.kv.expiringSize).toBe(0);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});

/** Drops image entries (and optionally the memstore columns note) and re-hashes memstore.copy. */
function rewriteManifestWithoutImages(dir: string, asOldFormat = false): void {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as { relations: { image?: unknown }[]; memstore: { image?: unknown; columns?: unknown; bytes: number; sha256: string } };
  for (const r of m.relations) delete r.image;
  delete m.memstore.image;
  if (asOldFormat) delete m.memstore.columns;
  const data = readFileSync(path.join(dir, 'memstore.copy'));
  m.memstore.bytes = data.length;
  m.memstore.sha256 = createHash('sha256').update(data).digest('hex');
  writeFileSync(file, JSON.stringify(m, null, 2));
}
