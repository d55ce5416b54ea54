/*
 * collations.ts — reads from the primary which collation each held text column has, and decides
 * for each collation whether the sidecar orders text exactly as the primary does.
 *
 * PostgreSQL orders text by the column's collation; the sidecar can reproduce two orders:
 * bytes (C, POSIX, the builtin provider, libc C.UTF-8) and ICU's (Node ships ICU; PostgreSQL's
 * ICU collations compare with ucol_strcoll and break ties by bytes). Before either is used for a
 * collation that is not C by definition, it is checked against the primary: a probe set of
 * strings chosen to separate orders (case, accents, punctuation, spaces, digits, ligatures,
 * scripts, surrogate pairs, Turkish i) is sorted by the primary under that collation and by the
 * candidate order here, and must come out identical. A collation with no matching candidate
 * (glibc locales such as en_US.UTF-8 order punctuation and case differently from ICU) is
 * 'refuse': ordering by it is 0A000, never an approximation.
 *
 * When: before the pgwire endpoint opens (so no query runs on a guess), after a table is
 * (re)copied, and when a query meets a column the catalog does not list yet or a collation not
 * checked yet (COLLATE "de-x-icu"); that query gets 0A000 and the load runs in the background.
 * A failed load keeps the previous catalog and is retried on the next miss.
 *
 * Left out: ICU collations with tailoring rules (collicurules) and nondeterministic ones are
 * refused; a collation's version (collversion) is not compared with Node's ICU: the probe is
 * the check.
 */
import { recompileGenerated } from './generated-columns.js';
import type { Logger } from '../log.js';
import { sqlClient, type SourceOptions } from '../replication/connection.js';
import { CollationCatalog, DEFAULT_COLLATION, type CollationInfo, type CollationOrder } from '../store/collations.js';
import type { Store } from '../store/store.js';
import { icuOrder, type TextOrder } from '../query/types/collation.js';
import { compareText } from '../query/types/text.js';
import { probeStrings } from './collation-probe.js';

interface Row {
  readonly c: Record<string, unknown>;
  readonly nspname: string;
}

type Candidate = { readonly order: Exclude<CollationOrder, 'refuse'>; readonly cmp: TextOrder } | { readonly order: 'refuse'; readonly why: string };

const BYTES: TextOrder = compareText;

export class CollationLoader {
  private running: Promise<void> | undefined;
  private again = false;
  /** OIDs queries asked for that the current catalog has not checked. */
  private readonly wanted = new Set<number>();
  /** Orders already checked (by OID): a reload keeps them. */
  private readonly checked = new Map<number, Candidate>();
  /** When the last load failed (0: it did not). */
  private failedAt = 0;

  constructor(private readonly o: { readonly source: SourceOptions; readonly store: Store; readonly log: Logger }) {}

  /** Loads now (awaited at start); later calls while one runs coalesce into one more load. */
  load(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.load();
      }
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const client = sqlClient(this.o.source);
    // A FATAL between queries (the database dropped, the server stopping) is an 'error' event:
    // the awaited queries report it, the event must not become an uncaught exception.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const tables = [...this.o.store.tables.keys()];
      const cols = await client.query<{ rel: string; attname: string; coll: string }>(
        `SELECT a.attrelid::int8::text AS rel, a.attname, a.attcollation::int8::text AS coll
           FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`,
        [tables],
      );
      const colls = await client.query<Row>(
        `SELECT to_jsonb(c) AS c, n.nspname FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
          WHERE c.collencoding IN (-1, pg_catalog.pg_char_to_encoding('UTF8'))`,
      );
      const db = await client.query<{ d: Record<string, unknown> }>(`SELECT to_jsonb(d) AS d FROM pg_catalog.pg_database d WHERE datname = current_database()`);
      const columns = new Map<number, Map<string, number>>();
      for (const r of cols.rows) {
        const rel = Number(r.rel);
        let m = columns.get(rel);
        if (m === undefined) columns.set(rel, (m = new Map<string, number>()));
        m.set(r.attname, Number(r.coll));
      }
      const used = new Set<number>([DEFAULT_COLLATION, ...this.wanted]);
      for (const m of columns.values()) for (const c of m.values()) if (c !== 0) used.add(c);
      const infos = new Map<number, CollationInfo>();
      for (const r of colls.rows) {
        const base = describe(r);
        infos.set(base.oid, base);
      }
      infos.set(DEFAULT_COLLATION, describeDefault(db.rows[0]?.d ?? {}));
      for (const oid of used) {
        const info = infos.get(oid);
        if (info === undefined) continue;
        let cand = this.checked.get(oid);
        if (cand === undefined) {
          cand = await this.decide(client, info);
          this.checked.set(oid, cand);
        }
        infos.set(oid, { ...info, order: cand.order, ...(cand.order === 'refuse' ? { why: cand.why } : {}) });
      }
      await client.query('COMMIT');
      for (const oid of used) this.wanted.delete(oid);
      const catalog = new CollationCatalog(infos, columns, (oid) => this.miss(oid));
      this.o.store.collations = catalog;
      recompileGenerated(this.o.store);
      const notC = [...used].map((o) => infos.get(o)).filter((c): c is CollationInfo => c !== undefined && c.order !== 'bytes');
      if (notC.length > 0) this.o.log.info('collations of the held text columns', { collations: notC.map((c) => `${c.name}: ${c.order}${c.why ? ` (${c.why})` : ''}`) });
      this.failedAt = 0;
    } catch (e) {
      this.failedAt = Date.now();
      this.o.log.warn('could not read the collations from the source; text ordering of new columns is refused until the next try', { error: e instanceof Error ? e.message : String(e) });
      if (this.o.store.collations === undefined) this.o.store.collations = new CollationCatalog(new Map(), new Map(), (oid) => this.miss(oid));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** A query met a column or collation the catalog has not checked: load (once) in the background. */
  private miss(oid: number): void {
    if (oid > 0) this.wanted.add(oid);
    // After a failed load, queries that miss do not each open a connection: one try per 5 s.
    if (this.running === undefined && Date.now() - this.failedAt >= 5_000) void this.load();
  }

  /** Which order reproduces the primary's for this collation, checked on the probe set. */
  private async decide(client: ReturnType<typeof sqlClient>, c: CollationInfo): Promise<Candidate> {
    if (!c.deterministic) return { order: 'refuse', why: `"${c.name}" is nondeterministic` };
    if (c.order === 'bytes') return { order: 'bytes', cmp: BYTES };
    if (c.order === 'refuse') return { order: 'refuse', why: c.why ?? `"${c.name}" is refused` };
    const candidates: { order: 'bytes' | 'icu'; cmp: TextOrder }[] = [];
    if (c.provider === 'i') candidates.push({ order: 'icu', cmp: icuOrder(c.locale) });
    else {
      candidates.push({ order: 'bytes', cmp: BYTES });
      const bcp = libcToBcp47(c.locale);
      if (bcp !== undefined) candidates.push({ order: 'icu', cmp: icuOrder(bcp) });
    }
    const probe = probeStrings();
    const collate = c.oid === DEFAULT_COLLATION ? '"default"' : `${quoteIdent(c.schema)}.${quoteIdent(c.name)}`;
    const r = await client.query<{ a: string[] }>(`SELECT array_agg(s ORDER BY s COLLATE ${collate}) AS a FROM unnest($1::text[]) s`, [probe]);
    const theirs = r.rows[0]!.a;
    let why = '';
    for (const cand of candidates) {
      const ours = [...probe].sort(cand.cmp);
      const at = ours.findIndex((s, i) => s !== theirs[i]);
      if (at < 0) return cand;
      why ||= `the primary orders ${JSON.stringify(theirs.slice(Math.max(0, at - 1), at + 2))}`;
    }
    return { order: 'refuse', why: `no order memstore has matches "${c.name}" (provider ${c.provider}, locale "${c.locale}"): ${why}` };
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** One pg_collation row; order 'bytes' where PostgreSQL itself compares bytes, else to be decided. */
function describe(r: Row): CollationInfo {
  const c = r.c;
  const provider = str(c.collprovider);
  const locale = str(c.colllocale) || str(c.colliculocale) || str(c.collcollate);
  const ctype = provider === 'c' ? str(c.collctype) : locale;
  return info(Number(c.oid), str(c.collname), r.nspname, provider, locale, ctype, c.collisdeterministic !== false, str(c.collicurules));
}

/** The database default (pg_database): its provider and locale stand for OID 100. */
function describeDefault(d: Record<string, unknown>): CollationInfo {
  const provider = str(d.datlocprovider) || 'c';
  const locale = provider === 'c' ? str(d.datcollate) : str(d.datlocale) || str(d.daticulocale);
  const ctype = provider === 'c' ? str(d.datctype) : locale;
  return info(DEFAULT_COLLATION, 'default', 'pg_catalog', provider, locale, ctype, true, str(d.daticurules));
}

function info(oid: number, name: string, schema: string, provider: string, locale: string, ctype: string, deterministic: boolean, rules: string): CollationInfo {
  const cLocale = (l: string): boolean => l === 'C' || l === 'POSIX';
  // Byte order by definition: libc C/POSIX (PostgreSQL's lc_collate_is_c), the builtin provider.
  const bytes = (provider === 'c' && cLocale(locale)) || provider === 'b';
  const ctypeIsC = (provider === 'c' && cLocale(ctype)) || (provider === 'b' && locale === 'C');
  const base = { oid, name, schema, provider, locale, deterministic, ctypeIsC };
  if (rules !== '') return { ...base, order: 'refuse', why: `"${name}" has ICU tailoring rules` };
  return { ...base, order: bytes ? 'bytes' : 'unchecked' };
}

/** en_US.UTF-8 → en-US (a candidate ICU locale for a glibc one); undefined when it has no language. */
function libcToBcp47(locale: string): string | undefined {
  const m = /^([a-zA-Z]{2,3})(?:_([a-zA-Z]{2}))?(?:\.[^@]*)?(?:@.*)?$/.exec(locale);
  if (m === null) return undefined;
  return m[2] === undefined ? m[1]! : `${m[1]!}-${m[2]}`;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
