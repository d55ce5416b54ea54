/*
 * tree-image.ts — a radix tree written as its own buffers (`<table>.art` next to `<table>.copy`).
 *
 * The COPY files are the dump's portable, checkable form (PostgreSQL loads them, peers stream
 * them); loading them means decoding and re-inserting every row. The image is the fast path of a
 * restart: the node pool and the leaf slab are written as they are and read back with a few
 * memcpys. It is only valid for the same tree layout and key codec (IMAGE_FORMAT); a reader that
 * finds another format, a bad checksum or a wrong row count falls back to the COPY file.
 *
 *   'MART'  u32 header length  header JSON {meta, lengths}  zero padding to 8  buffers…
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RadixTree, type TreeImageMeta } from '../store/art.js';

const MAGIC = Buffer.from('MART');

export interface ImageFile {
  readonly file: string;
  readonly format: number;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

export async function writeTreeImage(path: string, name: string, tree: RadixTree): Promise<ImageFile> {
  const { meta, buffers } = tree.toImage();
  const header = Buffer.from(JSON.stringify({ meta, lengths: buffers.map((b) => b.length) }));
  const lead = Buffer.alloc(8);
  MAGIC.copy(lead, 0);
  lead.writeUInt32BE(header.length, 4);
  const pad = Buffer.alloc((8 - ((8 + header.length) % 8)) % 8);
  const parts: Uint8Array[] = [lead, header, pad, ...buffers];
  const hash = createHash('sha256');
  const out = createWriteStream(path, { flags: 'wx' });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  let bytes = 0;
  for (const p of parts) {
    if (p.length === 0) continue;
    hash.update(p);
    bytes += p.length;
    if (!out.write(p)) await new Promise<void>((resolve) => out.once('drain', resolve));
  }
  out.end();
  await done;
  return { file: name, format: meta.format, rows: tree.size, bytes, sha256: hash.digest('hex') };
}

/** Reads and checks an image; throws (the caller falls back to the COPY file) on any mismatch. */
export async function readTreeImage(path: string, entry: ImageFile): Promise<RadixTree> {
  const data = await readFile(path);
  if (data.length !== entry.bytes) throw new Error(`${entry.file} has ${data.length} bytes, the manifest says ${entry.bytes}`);
  if (createHash('sha256').update(data).digest('hex') !== entry.sha256) throw new Error(`${entry.file} does not match its sha256`);
  if (!data.subarray(0, 4).equals(MAGIC)) throw new Error(`${entry.file} is not a tree image`);
  const headerLength = data.readUInt32BE(4);
  const { meta, lengths } = JSON.parse(data.subarray(8, 8 + headerLength).toString('utf8')) as { meta: TreeImageMeta; lengths: number[] };
  let at = 8 + headerLength;
  at += (8 - (at % 8)) % 8;
  const buffers = lengths.map((len) => {
    const b = data.subarray(at, at + len);
    at += len;
    return b;
  });
  if (at !== data.length) throw new Error(`${entry.file}: buffers do not add up to the file`);
  const tree = RadixTree.fromImage(meta, buffers);
  if (tree.size !== entry.rows) throw new Error(`${entry.file} holds ${tree.size} keys, the manifest says ${entry.rows}`);
  return tree;
}
