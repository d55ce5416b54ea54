/*
 * bench/store.ts — RadixTree against the two obvious alternatives, on the same keys.
 *
 *   npm run bench:store                     (1M keys per key set, ~2–3 minutes on 2 cores)
 *   MEMSTORE_BENCH_KEYS=100000 npm run bench:store   (a quick run)
 *
 * Key sets: random 16-byte keys; int8 primary keys 1..N encoded by the key codec, inserted in
 * order; URL-like text keys with long shared prefixes, encoded by the key codec, inserted in
 * random order. Values are 100 bytes.
 *
 * Baselines, each used as a ByteMap would have to be (so that the comparison is of equal work):
 * - Map: keys converted to latin1 strings (String.fromCharCode) on every call, since callers
 *   hold bytes; no order, so "scan" is plain iteration and a prefix scan is a filtered full pass.
 * - sorted-btree: Uint8Array keys with a byte comparator (memcmp order, like the tree).
 * Both copy key and value on set (the caller's buffers are reused, e.g. a socket buffer); gets
 * return the stored array (later sets replace it, they never write into it). RadixTree copies
 * into its slab on set and hands out copies (see src/store/art.ts).
 *
 * Each structure is built once with all N keys (timed: "build"; measured: bytes per key), then
 * 3 repetitions get a fixed shuffled sample of 100k keys, delete another 100k (new ones each
 * repetition), insert those back ("set"), scan everything, and run prefix scans (Map: 2
 * prefixes, each a full pass; the others: all of them). Figures are medians of the repetitions.
 * Bytes per key: heap + ArrayBuffer growth across the build, after a full GC (the script
 * re-executes itself with --expose-gc when needed), divided by the number of keys.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import BTreeModule from 'sorted-btree';
import { RadixTree, compareBytes } from '../src/store/art.js';
import { encodeKey } from '../src/store/key-codec.js';

// sorted-btree is CommonJS with `exports.default`: an ES module's default import is the exports object.
const BTree = BTreeModule.default;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', script, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
const fullGc = gc;

const N = Number(process.env.MEMSTORE_BENCH_KEYS ?? 1_000_000);
const REPS = Math.max(1, Number(process.env.MEMSTORE_BENCH_REPS ?? 3));
const VALUE_BYTES = 100;
/** Gets and deletes run on a shuffled sample of the keys (the structure still holds all N). */
const SAMPLE = Math.min(Math.floor(N / (REPS + 1)), 100_000);

interface KeySet {
  readonly name: string;
  /** Insertion order. */
  readonly keys: Uint8Array[];
  /**
   * Shuffled keys: [0, SAMPLE) are looked up and never deleted; repetition r deletes and
   * re-inserts [SAMPLE·(r+1), SAMPLE·(r+2)). Re-inserted entries sit together in memory (a Map
   * appends them to its table), so a sample must not be read or deleted again afterwards: that
   * would measure the cache instead of the structure.
   */
  readonly shuffled: Uint8Array[];
  readonly prefixes: Uint8Array[];
  readonly keyBytes: number;
}

function shuffle<T>(a: T[], seed: number): T[] {
  const out = a.slice();
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

function sumLengths(keys: Uint8Array[]): number {
  let n = 0;
  for (const k of keys) n += k.length;
  return n;
}

function makeKeySets(): KeySet[] {
  const sets: KeySet[] = [];
  const pool = randomBytes(N * 16);
  const random = Array.from({ length: N }, (_, i) => new Uint8Array(pool.buffer, pool.byteOffset + i * 16, 16));
  sets.push({
    name: 'random 16-byte',
    keys: random,
    shuffled: shuffle(random, 1).slice(0, SAMPLE * (REPS + 1)),
    prefixes: Array.from({ length: 256 }, (_, i) => Uint8Array.of(i)),
    keyBytes: sumLengths(random),
  });

  const enc = new TextEncoder();
  const ints = Array.from({ length: N }, (_, i) => encodeKey([20], [enc.encode(String(i + 1))]));
  // Prefixes of the encoded int8: blocks of 65536 consecutive ids.
  const intPrefixes: Uint8Array[] = [];
  for (let i = 0; i < N; i += 65536) intPrefixes.push(ints[i]!.slice(0, 6));
  sets.push({ name: 'int8 sequential (key codec)', keys: ints, shuffled: shuffle(ints, 2).slice(0, SAMPLE * (REPS + 1)), prefixes: intPrefixes, keyBytes: sumLengths(ints) });

  const sections = ['users', 'posts', 'comments', 'products', 'orders', 'carts', 'reviews', 'tags'];
  const urls = Array.from({ length: N }, (_, i) => {
    const host = `shop${i % 16}.example.com`;
    const section = sections[(i >>> 4) % sections.length]!;
    const id = String((i * 7919) % 1_000_003).padStart(7, '0');
    return encodeKey([25], [enc.encode(`https://${host}/${section}/${id}/item-${i}`)]);
  });
  const urlPrefixes: Uint8Array[] = [];
  for (let h = 0; h < 16; h++) {
    for (const s of sections) urlPrefixes.push(enc.encode(`https://shop${h}.example.com/${s}/`));
  }
  sets.push({ name: 'URL-like text (key codec)', keys: shuffle(urls, 3), shuffled: shuffle(urls, 4).slice(0, SAMPLE * (REPS + 1)), prefixes: urlPrefixes, keyBytes: sumLengths(urls) });
  return sets;
}

const values = Array.from({ length: 4096 }, () => new Uint8Array(randomBytes(VALUE_BYTES)));
const sink = new Uint8Array(1 << 16);
let blackhole = 0;

function latin1(k: Uint8Array): string {
  return String.fromCharCode.apply(null, k as unknown as number[]);
}

interface Subject {
  readonly name: string;
  build(keys: Uint8Array[]): void;
  get(keys: Uint8Array[]): void;
  /** Entries visited. */
  scan(): number;
  /** Scan writing key and value bytes into an output buffer (what COPY-out / DataRow does). */
  scanCopy(): number;
  prefixScans(prefixes: Uint8Array[]): number;
  del(keys: Uint8Array[]): void;
  memoryUsage(): number | undefined;
  /** Rewrites the structure's storage in key order (RadixTree only); bytes released. */
  compact?(): number;
  drop(): void;
}

function startsWith(k: Uint8Array, p: Uint8Array): boolean {
  if (k.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (k[i] !== p[i]) return false;
  return true;
}

function mapSubject(): Subject {
  let m = new Map<string, Uint8Array>();
  return {
    name: 'Map',
    build(keys) {
      for (let i = 0; i < keys.length; i++) m.set(latin1(keys[i]!), values[i & 4095]!.slice());
    },
    get(keys) {
      let x = 0;
      for (const k of keys) x += m.get(latin1(k))![0]!;
      blackhole += x;
    },
    scan() {
      let x = 0;
      let n = 0;
      for (const [k, v] of m) {
        x += k.length + v[0]!;
        n++;
      }
      blackhole += x;
      return n;
    },
    scanCopy() {
      let n = 0;
      for (const [k, v] of m) {
        for (let i = 0; i < k.length; i++) sink[i] = k.charCodeAt(i);
        sink.set(v, 256);
        n++;
      }
      return n;
    },
    prefixScans(prefixes) {
      // No order: one full pass per prefix, comparing the string form.
      let n = 0;
      for (const p of prefixes) {
        const ps = latin1(p);
        for (const [k, v] of m) {
          if (k.startsWith(ps)) {
            blackhole += v[0]!;
            n++;
          }
        }
      }
      return n;
    },
    del(keys) {
      for (const k of keys) m.delete(latin1(k));
    },
    memoryUsage: () => undefined,
    drop() {
      m = new Map();
    },
  };
}

function btreeSubject(): Subject {
  let t = new BTree<Uint8Array, Uint8Array>(undefined, compareBytes);
  return {
    name: 'sorted-btree',
    build(keys) {
      for (let i = 0; i < keys.length; i++) t.set(keys[i]!.slice(), values[i & 4095]!.slice());
    },
    get(keys) {
      let x = 0;
      for (const k of keys) x += t.get(k)![0]!;
      blackhole += x;
    },
    scan() {
      let x = 0;
      let n = 0;
      for (const [k, v] of t.entries()) {
        x += k[0]! + v[0]!;
        n++;
      }
      blackhole += x;
      return n;
    },
    scanCopy() {
      let n = 0;
      t.forEachPair((k, v) => {
        sink.set(k, 0);
        sink.set(v, 256);
        n++;
      });
      return n;
    },
    prefixScans(prefixes) {
      let n = 0;
      for (const p of prefixes) {
        for (const [k, v] of t.entries(p)) {
          if (!startsWith(k, p)) break;
          blackhole += v[0]!;
          n++;
        }
      }
      return n;
    },
    del(keys) {
      for (const k of keys) t.delete(k);
    },
    memoryUsage: () => undefined,
    drop() {
      t = new BTree<Uint8Array, Uint8Array>(undefined, compareBytes);
    },
  };
}

function radixSubject(): Subject {
  let t = new RadixTree();
  return {
    name: 'RadixTree',
    build(keys) {
      for (let i = 0; i < keys.length; i++) t.set(keys[i]!, values[i & 4095]!);
    },
    get(keys) {
      let x = 0;
      for (const k of keys) x += t.get(k)![0]!;
      blackhole += x;
    },
    scan() {
      let x = 0;
      let n = 0;
      for (const [k, v] of t.entries()) {
        x += k[0]! + v[0]!;
        n++;
      }
      blackhole += x;
      return n;
    },
    scanCopy() {
      let n = 0;
      const c = t.cursor();
      while (c.next()) {
        c.copyKey(sink, 0);
        c.copyValue(sink, 256);
        n++;
      }
      return n;
    },
    prefixScans(prefixes) {
      let n = 0;
      for (const p of prefixes) {
        for (const [, v] of t.entries({ prefix: p })) {
          blackhole += v[0]!;
          n++;
        }
      }
      return n;
    },
    del(keys) {
      for (const k of keys) t.delete(k);
    },
    memoryUsage: () => t.memoryUsage(),
    compact: () => t.compact(),
    drop() {
      t = new RadixTree();
    },
  };
}

function heapBytes(): number {
  fullGc();
  fullGc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** ops per second of fn, which performs `ops` operations. */
function rate(ops: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  const ns = Number(process.hrtime.bigint() - t0);
  return (ops * 1e9) / ns;
}

interface Row {
  build: number;
  set: number;
  get: number;
  del: number;
  scan: number;
  scanCopy: number;
  prefix: number;
  /** Scans after compact() (RadixTree); the same as scan/scanCopy for the others. */
  scanCompacted: number;
  scanCopyCompacted: number;
  compactMs: number | undefined;
  bytesPerKey: number;
  reported: number | undefined;
}

/**
 * One build of all N keys (timed once, and measured for memory), then REPS repetitions of: get
 * the sample, delete it, insert it back (the "set" figure: inserts into a structure of N − SAMPLE
 * keys), full scans, prefix scans. Medians of the repetitions.
 */
function measure(subject: Subject, ks: KeySet): Row {
  subject.drop();
  const before = heapBytes();
  const build = rate(N, () => subject.build(ks.keys));
  const bytesPerKey = (heapBytes() - before) / N;
  const reported = subject.memoryUsage();
  const samples: Omit<Row, 'build' | 'bytesPerKey' | 'reported' | 'scanCompacted' | 'scanCopyCompacted' | 'compactMs'>[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const lookups = ks.shuffled.slice(0, SAMPLE);
    const churn = ks.shuffled.slice(SAMPLE * (rep + 1), SAMPLE * (rep + 2));
    const get = rate(SAMPLE, () => subject.get(lookups));
    const del = rate(SAMPLE, () => subject.del(churn));
    const set = rate(SAMPLE, () => subject.build(churn));
    let scanned = 0;
    const scan = rate(N, () => (scanned = subject.scan()));
    if (scanned !== N) throw new Error(`${subject.name} scanned ${scanned} of ${N}`);
    const scanCopy = rate(N, () => (scanned = subject.scanCopy()));
    if (scanned !== N) throw new Error(`${subject.name} copied ${scanned} of ${N}`);
    // Map pays a full pass per prefix: give it a few prefixes only and report scans per second.
    const prefixes = subject.name === 'Map' ? ks.prefixes.slice(0, 2) : ks.prefixes;
    const prefix = rate(prefixes.length, () => subject.prefixScans(prefixes));
    samples.push({ set, get, del, scan, scanCopy, prefix });
  }
  const pick = (f: (r: (typeof samples)[number]) => number): number => median(samples.map(f));
  // The tree after compact(): leaves rewritten in key order (what the sidecar does after an
  // initial sync and when a table's slab is fragmented; see src/store/compaction.ts).
  let scanCompacted = pick((r) => r.scan);
  let scanCopyCompacted = pick((r) => r.scanCopy);
  let compactMs: number | undefined;
  if (subject.compact) {
    const t0 = process.hrtime.bigint();
    subject.compact();
    compactMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const after: { scan: number; scanCopy: number }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      let scanned = 0;
      const scan = rate(N, () => (scanned = subject.scan()));
      if (scanned !== N) throw new Error(`${subject.name} scanned ${scanned} of ${N}`);
      const scanCopy = rate(N, () => (scanned = subject.scanCopy()));
      if (scanned !== N) throw new Error(`${subject.name} copied ${scanned} of ${N}`);
      after.push({ scan, scanCopy });
    }
    scanCompacted = median(after.map((a) => a.scan));
    scanCopyCompacted = median(after.map((a) => a.scanCopy));
  }
  subject.drop();
  return {
    scanCompacted,
    scanCopyCompacted,
    compactMs,
    build,
    set: pick((r) => r.set),
    get: pick((r) => r.get),
    del: pick((r) => r.del),
    scan: pick((r) => r.scan),
    scanCopy: pick((r) => r.scanCopy),
    prefix: pick((r) => r.prefix),
    bytesPerKey,
    reported: reported === undefined ? undefined : reported / N,
  };
}

function fmtRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(1);
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

function main(): void {
  const started = Date.now();
  console.log(`# bench:store — ${N.toLocaleString('en-US')} keys per set, ${VALUE_BYTES}-byte values, median of ${REPS} (get/delete/set on ${SAMPLE.toLocaleString('en-US')} keys)`);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
  const keySets = makeKeySets();
  const lines: string[] = [];
  lines.push('| key set | operation | Map | sorted-btree | RadixTree | vs Map | vs sorted-btree |');
  lines.push('|---|---|---:|---:|---:|---:|---:|');
  const compactLines = ['| key set | RadixTree compact() of N keys (one synchronous pause) |', '|---|---:|'];
  const memLines: string[] = [];
  memLines.push('| key set | key+value bytes/key | Map bytes/key | sorted-btree bytes/key | RadixTree bytes/key (heap+AB) | RadixTree memoryUsage()/key | RadixTree overhead/key |');
  memLines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const ks of keySets) {
    const rows = [mapSubject(), btreeSubject(), radixSubject()].map((s) => {
      const r = measure(s, ks);
      console.error(`  ${ks.name}: ${s.name} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      return r;
    });
    const [m, b, r] = rows as [Row, Row, Row];
    const ops: [string, (x: Row) => number][] = [
      ['get (ops/s)', (x) => x.get],
      ['set, insert into N − 100k keys (ops/s)', (x) => x.set],
      ['build N keys from empty, one run (ops/s)', (x) => x.build],
      ['delete (ops/s)', (x) => x.del],
      ['full scan, entries() (entries/s)', (x) => x.scan],
      ['full scan, bytes copied out (entries/s)', (x) => x.scanCopy],
      ['full scan, entries(), RadixTree after compact() (entries/s)', (x) => x.scanCompacted],
      ['full scan, bytes copied out, RadixTree after compact() (entries/s)', (x) => x.scanCopyCompacted],
      ['prefix scan (scans/s)', (x) => x.prefix],
    ];
    for (const [label, f] of ops) {
      lines.push(`| ${ks.name} | ${label} | ${fmtRate(f(m))} | ${fmtRate(f(b))} | ${fmtRate(f(r))} | ${ratio(f(r), f(m))} | ${ratio(f(r), f(b))} |`);
    }
    compactLines.push(`| ${ks.name} | ${(r.compactMs ?? 0).toFixed(0)} ms |`);
    const kv = ks.keyBytes / N + VALUE_BYTES;
    memLines.push(
      `| ${ks.name} | ${kv.toFixed(1)} | ${m.bytesPerKey.toFixed(1)} | ${b.bytesPerKey.toFixed(1)} | ${r.bytesPerKey.toFixed(1)} | ${(r.reported ?? 0).toFixed(1)} | ${((r.reported ?? 0) - kv).toFixed(1)} |`,
    );
  }
  console.log(lines.join('\n'));
  console.log('');
  console.log(memLines.join('\n'));
  console.log('');
  console.log(compactLines.join('\n'));
  console.log(`\n(total ${((Date.now() - started) / 1000).toFixed(0)} s; blackhole ${blackhole % 10})`);
}

main();
