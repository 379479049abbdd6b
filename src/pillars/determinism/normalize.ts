// `repro normalize`: the deterministic form of an archive — entries sorted by name, every time set
// to SOURCE_DATE_EPOCH, owner 0:0 without names, modes 0644/0755 (0777 links), extra times dropped,
// gzip header without time or name — the "strip timestamps" step as a tool.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { constants, crc32, createDeflateRaw, createGzip } from 'node:zlib';
import { CiError } from '../../core/errors.js';
import { canDecode, decompress, type Codec } from './archive/compressed.js';
import { checkEntryName, type ArchiveEntry } from './archive/entry.js';
import { HEAD_BYTES, sniff } from './archive/sniff.js';
import { tarEntries } from './archive/tar.js';
import { zipEntries } from './archive/zip.js';
import { readHead } from './compare/context.js';

export interface NormalizeOptions {
  /** Seconds since the epoch every entry gets. */
  mtime: number;
  /** Bytes read from the archive at most (decompression bombs). */
  maxBytes: number;
  tmpDir?: string;
}

export interface NormalizeResult {
  format: string;
  entries: number;
  notes: string[];
}

interface Spooled {
  e: Omit<ArchiveEntry, 'read'>;
  file?: string;
}

const modeOf = (e: Omit<ArchiveEntry, 'read'>) => (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : (e.mode ?? 0o644) & 0o111 ? 0o755 : 0o644);

/** Byte order, with a jar's META-INF/ and manifest first (where java.util.jar expects them). */
function order(a: Spooled, b: Spooled): number {
  const rank = (n: string) => (n === 'META-INF/' ? 0 : n === 'META-INF/MANIFEST.MF' ? 1 : 2);
  const r = rank(a.e.name) - rank(b.e.name);
  if (r) return r;
  return Buffer.compare(Buffer.from(a.e.name), Buffer.from(b.e.name));
}

export async function normalizeArchive(input: string, out: string, opts: NormalizeOptions): Promise<NormalizeResult> {
  const head = await readHead(input, HEAD_BYTES).catch((e: NodeJS.ErrnoException) => {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read the archive: ${e.code ?? e.message}`, { where: input });
  });
  const kind = sniff(head, input);
  const notes: string[] = [];
  let codec: Codec | undefined;
  let format: 'tar' | 'zip';
  if (kind === 'zip') format = 'zip';
  else if (kind === 'tar') format = 'tar';
  else if ((kind === 'gzip' || kind === 'xz' || kind === 'zstd' || kind === 'bzip2') && canDecode(kind)) {
    codec = kind;
    format = 'tar';
  } else
    throw new CiError('E_USAGE', `cannot normalise a ${kind} file`, {
      where: input,
      hint: 'normalise tar, tar.gz/.tgz, tar.xz, tar.zst (with xz/zstd installed) or zip/jar/wheel archives',
    });
  const packed = (await stat(input)).size;
  const scratch = await mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'ci-intel-normalize-'));
  try {
    const spooled: Spooled[] = [];
    let total = 0;
    const source = format === 'zip' ? zipEntries(input) : tarEntries(codec ? decompress(codec, input) : createReadStream(input));
    for await (const e of source) {
      checkEntryName(e.name, input);
      const { read, ...meta } = e;
      const file = e.type === 'file' ? path.join(scratch, String(spooled.length)) : undefined;
      if (file) {
        const w = createWriteStream(file);
        await read(async (chunk) => {
          total += chunk.length;
          if (total > opts.maxBytes || (codec && total > Math.max(64 * 1024 ** 2, 200 * packed)))
            throw new CiError(
              'E_ARCHIVE_UNSAFE',
              `expands to more than ${Math.min(opts.maxBytes, codec ? Math.max(64 * 1024 ** 2, 200 * packed) : Infinity)} bytes`,
              {
                where: `${input}!${e.name}`,
                hint: 'a decompression bomb, or raise --max-size if you trust the archive',
              },
            );
          if (!w.write(chunk)) await once(w, 'drain');
        });
        w.end();
        await once(w, 'close');
      }
      spooled.push({ e: meta, file });
    }
    spooled.sort(order);
    const dest = createWriteStream(out);
    const done = once(dest, 'close');
    let sink: Writable = dest;
    if (codec === 'gzip') {
      // Node writes a gzip header without a time or a name: nothing of the build leaks in.
      const gz = createGzip({ level: constants.Z_BEST_COMPRESSION });
      gz.pipe(dest);
      sink = gz;
    } else if (codec) {
      notes.push(`recompressed with ${codec} in one thread (multi-threaded ${codec} output depends on the machine)`);
      const child = spawn(codec, codec === 'bzip2' ? ['-c'] : ['-c', '-T1'], { stdio: ['pipe', 'pipe', 'inherit'] });
      child.stdout.pipe(dest);
      sink = child.stdin;
    }
    if (format === 'tar') await writeTar(spooled, sink, opts.mtime);
    else {
      const earliest = 315532800;
      if (opts.mtime < earliest) notes.push('zip times start in 1980: entries get 1980-01-01T00:00:00Z');
      await writeZip(spooled, sink, Math.max(opts.mtime, earliest));
    }
    sink.end();
    await done;
    return { format: codec ? `tar.${codec === 'gzip' ? 'gz' : codec}` : format, entries: spooled.length, notes };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function put(w: Writable, b: Buffer): Promise<void> {
  if (!w.write(b)) await once(w, 'drain');
}

async function copyFile(file: string, w: Writable): Promise<void> {
  for await (const c of createReadStream(file)) await put(w, c as Buffer);
}

function octalField(h: Buffer, off: number, len: number, v: number): void {
  h.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

function tarHeader(name: string, e: Omit<ArchiveEntry, 'read'>, size: number, mtime: number, flag: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  octalField(h, 100, 8, modeOf(e));
  octalField(h, 108, 8, 0);
  octalField(h, 116, 8, 0);
  octalField(h, 124, 12, size);
  octalField(h, 136, 12, mtime);
  h.write(flag, 156, 1, 'latin1');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 8, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

const FLAGS: Record<string, string> = { file: '0', dir: '5', symlink: '2', hardlink: '1', other: '0' };

async function writeTar(entries: Spooled[], w: Writable, mtime: number): Promise<void> {
  for (const { e, file } of entries) {
    const size = file ? e.size : 0;
    // Names or link targets past the ustar fields go in a pax header (no times in it).
    if (Buffer.byteLength(e.name) > 100 || Buffer.byteLength(e.linkname ?? '') > 100) {
      const recs = [['path', e.name], ...(e.linkname ? [['linkpath', e.linkname]] : [])].map(([k, v]) => {
        const body = ` ${k}=${v}\n`;
        let len = Buffer.byteLength(body) + 1;
        while (String(len).length + Buffer.byteLength(body) !== len) len++;
        return `${len}${body}`;
      });
      const data = Buffer.from(recs.join(''));
      await put(w, tarHeader('PaxHeader', { ...e, linkname: '', type: 'file', mode: 0o644 }, data.length, mtime, 'x'));
      await put(w, Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
    }
    await put(w, tarHeader(e.name, e, size, mtime, FLAGS[e.type]!));
    if (file) {
      await copyFile(file, w);
      await put(w, Buffer.alloc((512 - (size % 512)) % 512));
    }
  }
  await put(w, Buffer.alloc(1024));
}

function dosTime(epoch: number): { date: number; time: number } {
  const d = new Date(epoch * 1000);
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
  };
}

async function writeZip(entries: Spooled[], w: Writable, mtime: number): Promise<void> {
  const { date, time } = dosTime(mtime);
  const central: Buffer[] = [];
  let offset = 0;
  for (const { e, file } of entries) {
    if (e.type !== 'file' && e.type !== 'dir') continue;
    const name = Buffer.from(e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name);
    let crc = 0;
    let csize = 0;
    const deflated = file ? `${file}.z` : undefined;
    if (file && deflated) {
      const def = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
      const outFile = createWriteStream(deflated);
      def.pipe(outFile);
      for await (const c of createReadStream(file)) {
        crc = crc32(c as Buffer, crc);
        if (!def.write(c)) await once(def, 'drain');
      }
      def.end();
      await once(outFile, 'close');
      csize = (await stat(deflated)).size;
    }
    if (offset + csize > 0xfffffff0)
      throw new CiError('E_USAGE', 'the normalised zip would need zip64 (over 4 GiB), which is not written yet', { where: e.name });
    const method = file ? 8 : 0;
    // The local and central headers share one run of fields (version needed .. name length) at
    // different offsets.
    const header = (sig: number, len: number, at: number) => {
      const b = Buffer.alloc(len);
      b.writeUInt32LE(sig, 0);
      b.writeUInt16LE(20, at);
      b.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      b.writeUInt16LE(method, at + 4);
      b.writeUInt16LE(time, at + 6);
      b.writeUInt16LE(date, at + 8);
      b.writeUInt32LE(crc >>> 0, at + 10);
      b.writeUInt32LE(csize, at + 14);
      b.writeUInt32LE(file ? e.size : 0, at + 18);
      b.writeUInt16LE(name.length, at + 22);
      return b;
    };
    await put(w, Buffer.concat([header(0x04034b50, 30, 4), name]));
    if (deflated) await copyFile(deflated, w);
    const cen = header(0x02014b50, 46, 6);
    cen.writeUInt16LE((3 << 8) | 20, 4); // made on unix: the mode below is read
    cen.writeUInt32LE((((e.type === 'dir' ? 0o040000 : 0o100000) | modeOf(e)) << 16) >>> 0, 38);
    cen.writeUInt32LE(offset, 42);
    central.push(Buffer.concat([cen, name]));
    offset += 30 + name.length + csize;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length, 8);
  end.writeUInt16LE(central.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  await put(w, Buffer.concat([cd, end]));
}
