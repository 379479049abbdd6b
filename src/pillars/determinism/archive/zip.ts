// Zip reader (jar, wheel, apk-like zips): the central directory gives each entry's metadata — DOS
// time, extra-field times (UT), unix mode, the order — and each entry's bytes are streamed from its
// local header through inflate. Zip64 sizes and offsets are read; encrypted entries are refused.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import type { ArchiveEntry, EntryType } from './entry.js';

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;

/** DOS date/time (local time of the zipping machine, 2 s steps) as seconds, read as if UTC. */
export function dosToEpoch(date: number, time: number): number {
  const y = ((date >> 9) & 0x7f) + 1980;
  const mo = ((date >> 5) & 0xf) - 1;
  const d = date & 0x1f;
  return Date.UTC(y, mo, d, (time >> 11) & 0x1f, (time >> 5) & 0x3f, (time & 0x1f) * 2) / 1000;
}

interface CenEntry {
  name: string;
  method: number;
  flags: number;
  csize: number;
  usize: number;
  offset: number;
  entry: Omit<ArchiveEntry, 'read'>;
}

export async function readZipDirectory(file: string): Promise<{ entries: CenEntry[]; comment: string }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let e = -1;
    for (let i = tailLen - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === EOCD) {
        e = i;
        break;
      }
    if (e < 0) throw new Error('no zip end-of-central-directory record');
    let count = tail.readUInt16LE(e + 10);
    let cdSize = tail.readUInt32LE(e + 12);
    let cdOff = tail.readUInt32LE(e + 16);
    const comment = tail.subarray(e + 22, e + 22 + tail.readUInt16LE(e + 20)).toString('utf8');
    if ((count === 0xffff || cdOff === 0xffffffff) && e >= 20 && tail.readUInt32LE(e - 20) === EOCD64_LOCATOR) {
      const rec = Buffer.alloc(56);
      await fh.read(rec, 0, 56, Number(tail.readBigUInt64LE(e - 20 + 8)));
      count = Number(rec.readBigUInt64LE(32));
      cdSize = Number(rec.readBigUInt64LE(40));
      cdOff = Number(rec.readBigUInt64LE(48));
    }
    if (cdOff + cdSize > size) throw new Error(`zip central directory (${cdSize} bytes at ${cdOff}) runs past the end of the file`);
    if (cdSize > 256 * 1024 * 1024) throw new Error(`zip central directory of ${cdSize} bytes is over the 256 MiB cap`);
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOff);
    const entries: CenEntry[] = [];
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN) throw new Error(`bad zip central directory entry ${n + 1} at offset ${cdOff + p}`);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
      const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
      let csize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      let offset = cd.readUInt32LE(p + 42);
      const times: Record<string, number> = {};
      let uid: number | undefined;
      let gid: number | undefined;
      for (let x = 0; x + 4 <= extra.length;) {
        const id = extra.readUInt16LE(x);
        const len = extra.readUInt16LE(x + 2);
        const body = extra.subarray(x + 4, x + 4 + len);
        if (id === 0x0001) {
          let q = 0;
          const next = () => (q + 8 <= body.length ? Number(body.readBigUInt64LE((q += 8) - 8)) : undefined);
          if (usize === 0xffffffff) usize = next() ?? usize;
          if (csize === 0xffffffff) csize = next() ?? csize;
          if (offset === 0xffffffff) offset = next() ?? offset;
        } else if (id === 0x5455 && body.length >= 5 && body[0]! & 1) times['extra-mtime'] = body.readUInt32LE(1);
        else if (id === 0x7875 && body.length >= 3) {
          const us = body[1]!;
          if (us <= 4) uid = body.readUIntLE(2, us);
          const gs = body[2 + us];
          if (gs !== undefined && gs <= 4) gid = body.readUIntLE(3 + us, gs);
        }
        x += 4 + len;
      }
      const madeBy = cd.readUInt16LE(p + 4) >> 8;
      const ext = cd.readUInt32LE(p + 38);
      const unixMode = madeBy === 3 ? ext >>> 16 : undefined;
      const isLink = unixMode !== undefined && (unixMode & 0o170000) === 0o120000;
      const type: EntryType = name.endsWith('/') ? 'dir' : isLink ? 'symlink' : 'file';
      entries.push({
        name,
        method: cd.readUInt16LE(p + 10),
        flags: cd.readUInt16LE(p + 8),
        csize,
        usize,
        offset,
        entry: {
          name,
          type,
          size: usize,
          packedSize: csize,
          mode: unixMode !== undefined ? unixMode & 0o7777 : undefined,
          uid,
          gid,
          mtime: dosToEpoch(cd.readUInt16LE(p + 14), cd.readUInt16LE(p + 12)),
          times,
        },
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return { entries, comment };
  } finally {
    await fh.close();
  }
}

export async function* zipEntries(file: string): AsyncGenerator<ArchiveEntry> {
  const { entries } = await readZipDirectory(file);
  const fh = await open(file, 'r');
  try {
    for (const c of entries) {
      const read = async (onChunk: (b: Buffer) => void | Promise<void>) => {
        if (c.flags & 1) throw new Error(`zip entry ${c.name} is encrypted`);
        if (c.method !== 0 && c.method !== 8) throw new Error(`zip entry ${c.name} uses compression method ${c.method} (only stored and deflate are read)`);
        const loc = Buffer.alloc(30);
        await fh.read(loc, 0, 30, c.offset);
        if (loc.readUInt32LE(0) !== LOC) throw new Error(`zip entry ${c.name}: no local header at offset ${c.offset}`);
        const start = c.offset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
        if (c.csize === 0) return;
        const raw = createReadStream(file, { start, end: start + c.csize - 1 });
        const src = c.method === 8 ? raw.pipe(createInflateRaw()) : raw;
        try {
          for await (const chunk of src) await onChunk(chunk as Buffer);
        } finally {
          raw.destroy();
          src.destroy();
        }
      };
      yield { ...c.entry, read };
    }
  } finally {
    await fh.close();
  }
}
