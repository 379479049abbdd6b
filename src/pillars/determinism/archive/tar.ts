// Streaming tar reader: ustar, GNU (long names 'L'/'K') and pax ('x' per entry, 'g' global)
// headers; memory holds one 512-byte header and the current chunk, whatever the archive's size.
import type { Readable } from 'node:stream';
import { ByteReader, type ArchiveEntry, type EntryType } from './entry.js';

const BLOCK = 512;

const str = (b: Buffer, off: number, len: number) => {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString('utf8');
};

function num(b: Buffer, off: number, len: number): number {
  // GNU base-256 for big values (first byte 0x80)
  if (b[off]! & 0x80) {
    let v = 0;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i]!;
    return v;
  }
  const s = str(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Is this a tar header block (checksum valid)? Used to sniff tars without the ustar magic. */
export function isTarHeader(b: Buffer): boolean {
  if (b.length < BLOCK) return false;
  if (b.subarray(257, 262).toString('latin1') === 'ustar') return true;
  const want = num(b, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  return sum === want && b[0] !== 0;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString('latin1'), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPES: Record<string, EntryType> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'dir', '2': 'symlink', '1': 'hardlink' };

export async function* tarEntries(src: Readable | AsyncIterable<Buffer>): AsyncGenerator<ArchiveEntry> {
  const r = new ByteReader(src);
  let global: Record<string, string> = {};
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const h = await r.read(BLOCK, 'tar header');
    if (!h || h.every((x) => x === 0)) return;
    if (!isTarHeader(h)) throw new Error(`not a tar header at offset ${r.offset - BLOCK}`);
    const flag = String.fromCharCode(h[156]!);
    const size = num(h, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 16 * 1024 * 1024) throw new Error(`tar extended header of ${size} bytes at offset ${r.offset - BLOCK}`);
      const data = (await r.read(padded, 'tar extended header'))!.subarray(0, size);
      if (flag === 'x') pax = { ...pax, ...parsePax(data) };
      else if (flag === 'g') global = { ...global, ...parsePax(data) };
      else if (flag === 'L') longName = str(data, 0, data.length);
      else longLink = str(data, 0, data.length);
      continue;
    }
    const attrs = { ...global, ...pax };
    const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? str(h, 345, 155) : '';
    const name = attrs.path ?? longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const times: Record<string, number> = {};
    for (const k of ['atime', 'ctime']) if (attrs[k]) times[k] = Number(attrs[k]);
    let consumed = false;
    const entry: ArchiveEntry = {
      name,
      type: TYPES[flag] ?? 'other',
      size: attrs.size ? Number(attrs.size) : size,
      mode: num(h, 100, 8) & 0o7777,
      uid: attrs.uid ? Number(attrs.uid) : num(h, 108, 8),
      gid: attrs.gid ? Number(attrs.gid) : num(h, 116, 8),
      uname: attrs.uname ?? str(h, 265, 32),
      gname: attrs.gname ?? str(h, 297, 32),
      mtime: attrs.mtime ? Number(attrs.mtime) : num(h, 136, 12),
      linkname: attrs.linkpath ?? longLink ?? str(h, 157, 100),
      times,
      read: async (onChunk) => {
        consumed = true;
        await r.pipe(size, `tar entry ${name}`, onChunk);
        await r.pipe(padded - size, 'tar padding');
      },
    };
    pax = {};
    longName = longLink = undefined;
    yield entry;
    if (!consumed) await r.pipe(padded, `tar entry ${name}`);
  }
}
