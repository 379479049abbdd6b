// The recursive comparison: two files of one artifact, looked into layer by layer (compressed →
// archive → entries → leaves). Containers are read twice at most, streaming: once to hash every
// entry, once more to copy only the differing, inspectable entries to the scratch folder. Memory
// holds entry metadata, never an archive.
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { arEntries } from '../archive/ar.js';
import { canDecode, decompress, gzipHeader, type Codec } from '../archive/compressed.js';
import { checkEntryName, type ArchiveEntry, type EntrySource } from '../archive/entry.js';
import { folderEntries } from '../archive/folder.js';
import { HEAD_BYTES, sniff, type Kind } from '../archive/sniff.js';
import { tarEntries } from '../archive/tar.js';
import { zipEntries } from '../archive/zip.js';
import { classifyChange } from './classify.js';
import { byteGuard, checkBudget, layerCap, readHead, scratchFile, type CompareCtx } from './context.js';
import { compareElf } from './elf.js';
import { clip } from './report.js';
import { compareStrings, compareText, firstDifference } from './text.js';
import { createReadStream } from 'node:fs';

const iso = (s: number) => (Number.isFinite(s) && Math.abs(s) < 1e11 ? new Date(s * 1000).toISOString().replace('.000Z', 'Z') : String(s));
const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;

/** Compares two files known to differ; `name` is the entry name (for kinds told by name, e.g. .pyc). */
export async function compareFiles(a: string, b: string, where: string, name: string, ctx: CompareCtx): Promise<void> {
  checkBudget(ctx);
  const [ha, hb] = await Promise.all([readHead(a, HEAD_BYTES), readHead(b, HEAD_BYTES)]);
  const [ka, kb] = [sniff(ha, name), sniff(hb, name)];
  const before = ctx.c.total;
  if (ka !== kb && !(isText(ka) && isText(kb))) ctx.c.add('content', where, `a ${ka} file vs a ${kb} file`);
  else if (ctx.depth >= ctx.limits.maxDepth && isContainer(ka)) ctx.c.note(`${where}: nested deeper than ${ctx.limits.maxDepth} levels, compared as bytes`);
  else await dispatch(ka, a, b, ha, hb, where, name, ctx);
  if (ctx.c.total === before) {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    ctx.c.add(
      'content',
      where,
      `bytes differ (${sa.size} vs ${sb.size} bytes) with no difference found inside: compression settings, padding or header fields`,
    );
  }
}

const isText = (k: Kind) => k === 'text' || k === 'json';
const isContainer = (k: Kind) => ['gzip', 'xz', 'zstd', 'bzip2', 'zip', 'ar', 'tar'].includes(k);

async function dispatch(kind: Kind, a: string, b: string, ha: Buffer, hb: Buffer, where: string, name: string, ctx: CompareCtx): Promise<void> {
  const inner = { ...ctx, depth: ctx.depth + 1 };
  switch (kind) {
    case 'gzip':
    case 'xz':
    case 'zstd':
    case 'bzip2':
      return compareCompressed(kind, a, b, ha, hb, where, name, inner);
    case 'tar':
      return compareContainer(
        where,
        () => tarEntries(createReadStream(a)),
        () => tarEntries(createReadStream(b)),
        inner,
        true,
      );
    case 'zip':
      return compareContainer(
        where,
        () => zipEntries(a),
        () => zipEntries(b),
        inner,
        true,
      );
    case 'ar':
      return compareContainer(
        where,
        () => arEntries(createReadStream(a)),
        () => arEntries(createReadStream(b)),
        inner,
        true,
      );
    case 'elf':
    case 'pyc':
    case 'binary':
    case 'text':
    case 'json':
      return compareLeaf(kind, a, b, where, name, ctx);
    case 'empty':
      return;
  }
}

async function compareCompressed(codec: Codec, a: string, b: string, ha: Buffer, hb: Buffer, where: string, name: string, ctx: CompareCtx): Promise<void> {
  if (codec === 'gzip') {
    const [ga, gb] = [gzipHeader(ha), gzipHeader(hb)];
    if (ga.mtime !== gb.mtime) ctx.c.add('timestamp', where, `gzip header time ${iso(ga.mtime)} vs ${iso(gb.mtime)}`);
    if (ga.name !== gb.name)
      for (const cls of classifyChange(ga.name ?? '', gb.name ?? '', ctx.known))
        ctx.c.add(cls, where, `gzip header file name ${ga.name ?? '(none)'} vs ${gb.name ?? '(none)'}`);
  }
  if (!canDecode(codec)) {
    ctx.c.note(`${where}: ${codec} data compared as bytes (the ${codec} tool is not installed)`);
    return;
  }
  const [pa, pb] = await Promise.all([stat(a), stat(b)]);
  const innerName = name.replace(/\.(gz|tgz|xz|zst|bz2)$/i, (m) => (m.toLowerCase() === '.tgz' ? '.tar' : ''));
  // Peek at the decoded head: a tar streams straight into the container comparison (no copy).
  const head = await peek(decompress(codec, a));
  if (sniff(head, innerName) === 'tar') {
    const guardA = byteGuard(ctx, 0, where, layerCap(ctx, pa.size));
    const guardB = byteGuard(ctx, 1, where, layerCap(ctx, pb.size));
    return compareContainer(
      where,
      () => tarEntries(counted(decompress(codec, a), guardA)),
      () => tarEntries(counted(decompress(codec, b), guardB)),
      ctx,
      true,
    );
  }
  const [fa, fb] = [scratchFile(ctx, 'a'), scratchFile(ctx, 'b')];
  try {
    await Promise.all([
      writeStream(counted(decompress(codec, a), byteGuard(ctx, 0, where, layerCap(ctx, pa.size))), fa),
      writeStream(counted(decompress(codec, b), byteGuard(ctx, 1, where, layerCap(ctx, pb.size))), fb),
    ]);
    const [da, db] = await Promise.all([hashOf(fa), hashOf(fb)]);
    if (da !== db) await compareFiles(fa, fb, `${where}!(${codec} content)`, innerName, ctx);
  } finally {
    await Promise.all([rm(fa, { force: true }), rm(fb, { force: true })]);
  }
}

async function peek(s: NodeJS.ReadableStream & { destroy(): void }): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of s) {
      parts.push(c as Buffer);
      n += (c as Buffer).length;
      if (n >= HEAD_BYTES) break;
    }
  } catch {
    // a corrupt stream shows up in the full read with its message
  } finally {
    s.destroy();
  }
  return Buffer.concat(parts);
}

async function* counted(src: AsyncIterable<Buffer | string>, guard: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const c of src) {
    const b = Buffer.from(c);
    guard(b.length);
    yield b;
  }
}

async function writeStream(src: AsyncIterable<Buffer>, file: string): Promise<void> {
  const out = createWriteStream(file);
  try {
    for await (const c of src) if (!out.write(c)) await once(out, 'drain');
  } finally {
    out.end();
    await once(out, 'close');
  }
}

async function hashOf(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

interface Seen {
  e: Omit<ArchiveEntry, 'read'>;
  hash: string;
  idx: number;
}

/** Hashes every entry of one side; entries in `copy` are also written to scratch files. */
async function scan(
  src: EntrySource,
  side: 0 | 1,
  where: string,
  ctx: CompareCtx,
  copy?: Map<string, string>,
  peer?: Map<string, Seen>,
): Promise<Map<string, Seen>> {
  const seen = new Map<string, Seen>();
  let idx = 0;
  for await (const e of src()) {
    checkBudget(ctx);
    checkEntryName(e.name, where);
    let key = e.name;
    for (let dup = 2; seen.has(key); dup++) key = `${e.name} (#${dup})`;
    const h = createHash('sha256');
    const other = peer?.get(key);
    let target = copy?.get(key);
    // The second side copies what differs from the first as it goes (one pass instead of two).
    let out: ReturnType<typeof createWriteStream> | undefined;
    const guard = byteGuard(ctx, side, `${where}!${e.name}`, e.packedSize !== undefined ? layerCap(ctx, e.packedSize) : Infinity);
    const wantCopy = () => !e.diskPath && e.type === 'file' && e.size <= ctx.limits.entryBytes;
    if (!target && peer && other && other.e.type === 'file' && wantCopy()) {
      target = scratchFile(ctx, side ? 'b' : 'a');
      out = createWriteStream(target);
    } else if (target && wantCopy()) out = createWriteStream(target);
    await e.read(async (chunk) => {
      guard(chunk.length);
      h.update(chunk);
      if (out && !out.write(chunk)) await once(out, 'drain');
    });
    if (out) {
      out.end();
      await once(out, 'close');
    }
    const { read: _read, ...meta } = e;
    const s: Seen = { e: meta, hash: h.digest('hex'), idx: idx++ };
    seen.set(key, s);
    if (out && peer && target) {
      if (other && other.hash !== s.hash) copy?.set(key, target);
      else await rm(target, { force: true });
    }
  }
  return seen;
}

/** Compares two containers entry by entry: metadata, order, then the differing entries' contents. */
export async function compareContainer(where: string, srcA: EntrySource, srcB: EntrySource, ctx: CompareCtx, ordered: boolean): Promise<void> {
  const copiedB = new Map<string, string>();
  const ma = await scan(srcA, 0, where, ctx);
  const mb = await scan(srcB, 1, where, ctx, copiedB, ma);
  const { c } = ctx;
  const pairs: [string, string, string][] = [];
  const copiedA = new Map<string, string>();
  for (const key of mb.keys()) if (copiedB.has(key)) copiedA.set(key, scratchFile(ctx, 'a'));
  try {
    if (copiedA.size) await scan(srcA, 0, where, { ...ctx, decoded: [0, 0] }, copiedA);
    for (const [key, sa] of ma) {
      const sb = mb.get(key);
      const at = `${where}!${key}`;
      if (!sb) {
        c.add('content', at, 'only in the first');
        continue;
      }
      compareMeta(sa.e, sb.e, at, ctx);
      if (sa.hash === sb.hash || sa.e.type !== 'file' || sb.e.type !== 'file') continue;
      const fa = sa.e.diskPath ?? copiedA.get(key);
      const fb = sb.e.diskPath ?? copiedB.get(key);
      if (fa && fb) pairs.push([fa, fb, key]);
      else c.add('content', at, `differs (${sa.e.size} vs ${sb.e.size} bytes; over the ${ctx.limits.entryBytes}-byte inspection cap, compared by hash only)`);
    }
    for (const key of mb.keys()) if (!ma.has(key)) c.add('content', `${where}!${key}`, 'only in the second');
    if (ordered) {
      const common = [...ma.keys()].filter((k) => mb.has(k));
      const inB = [...common].sort((x, y) => mb.get(x)!.idx - mb.get(y)!.idx);
      const i = common.findIndex((k, n) => inB[n] !== k);
      if (i >= 0)
        c.add('file-order', where, `entries in another order: ${clip(common[i]!, 60)} is entry ${i + 1} in the first, ${clip(inB[i]!, 60)} in the second`);
    }
    for (const [fa, fb, key] of pairs) await compareFiles(fa, fb, `${where}!${key}`, key, ctx);
  } finally {
    await Promise.all([...copiedA.values(), ...copiedB.values()].map((f) => rm(f, { force: true })));
  }
}

function compareMeta(a: Omit<ArchiveEntry, 'read'>, b: Omit<ArchiveEntry, 'read'>, at: string, ctx: CompareCtx): void {
  const { c } = ctx;
  if (a.type !== b.type) c.add('content', at, `a ${a.type} vs a ${b.type}`);
  if (a.mtime !== b.mtime) c.add('timestamp', at, `modification time ${iso(a.mtime ?? 0)} vs ${iso(b.mtime ?? 0)}`);
  for (const k of new Set([...Object.keys(a.times ?? {}), ...Object.keys(b.times ?? {})]))
    if (a.times?.[k] !== b.times?.[k]) c.add('timestamp', at, `${k} ${iso(a.times?.[k] ?? NaN)} vs ${iso(b.times?.[k] ?? NaN)}`);
  if (a.mode !== b.mode && a.type !== 'symlink')
    c.add('umask/permissions', at, `mode ${a.mode === undefined ? '(none)' : octal(a.mode)} vs ${b.mode === undefined ? '(none)' : octal(b.mode)}`);
  if (a.uid !== b.uid || a.gid !== b.gid) c.add('hostname/user', at, `owner ${a.uid ?? '-'}:${a.gid ?? '-'} vs ${b.uid ?? '-'}:${b.gid ?? '-'}`);
  if ((a.uname ?? '') !== (b.uname ?? '') || (a.gname ?? '') !== (b.gname ?? ''))
    c.add('hostname/user', at, `owner name ${a.uname}:${a.gname} vs ${b.uname}:${b.gname}`);
  if ((a.linkname ?? '') !== (b.linkname ?? '') && (a.type === 'symlink' || a.type === 'hardlink'))
    for (const cls of classifyChange(a.linkname ?? '', b.linkname ?? '', ctx.known)) c.add(cls, at, `link target ${a.linkname} vs ${b.linkname}`);
}

async function compareLeaf(kind: Kind, a: string, b: string, where: string, name: string, ctx: CompareCtx): Promise<void> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  if (Math.max(sa.size, sb.size) > ctx.limits.textBytes) {
    ctx.c.add('content', where, `differs (${sa.size} vs ${sb.size} bytes; over the ${ctx.limits.textBytes}-byte cap for looking inside)`);
    return;
  }
  const [ba, bb] = await Promise.all([readFile(a), readFile(b)]);
  if (kind === 'elf') {
    try {
      return compareElf(ba, bb, where, ctx);
    } catch (e) {
      ctx.c.note(`${where}: ELF sections unreadable (${(e as Error).message}), compared by strings`);
    }
  }
  if (kind === 'pyc' && ba.length >= 16 && bb.length >= 16) {
    // PEP 552 header: magic, flags, then (flags 0) the source's mtime and size, or (flags 1) its hash
    if (!ba.subarray(0, 8).equals(bb.subarray(0, 8))) ctx.c.add('content', where, 'Python version or .pyc flags differ');
    else if (ba.readUInt32LE(4) === 0 && ba.readUInt32LE(8) !== bb.readUInt32LE(8))
      ctx.c.add('timestamp', where, `.pyc header: source time ${iso(ba.readUInt32LE(8))} vs ${iso(bb.readUInt32LE(8))}`);
    if (ba.readUInt32LE(12) !== bb.readUInt32LE(12) && ba.readUInt32LE(4) === 0)
      ctx.c.add('content', where, `.pyc header: source size ${ba.readUInt32LE(12)} vs ${bb.readUInt32LE(12)}`);
    if (!ba.subarray(16).equals(bb.subarray(16))) compareStrings(ba.subarray(16), bb.subarray(16), `${where}(code)`, ctx.c, ctx.known);
    return;
  }
  if (kind === 'text' || kind === 'json') return compareText(ba.toString('utf8'), bb.toString('utf8'), where, name, ctx.c, ctx.known, kind === 'json');
  if (compareStrings(ba, bb, where, ctx.c, ctx.known) === 0 && kind !== 'elf')
    ctx.c.add('content', where, `bytes differ from offset ${firstDifference(ba, bb)}`);
}

/** A folder pair is compared as a container whose entries stay on disk. */
export const compareFolders = (a: string, b: string, where: string, ctx: CompareCtx) =>
  compareContainer(
    where,
    () => folderEntries(a),
    () => folderEntries(b),
    ctx,
    false,
  );
