// Filesystem storage: one folder holding blobs/, manifests/, quarantine/, events/ and tmp/.
// Writes are temp file + fsync + rename + folder fsync, so a reader sees the old file or the new
// one, never a torn one, however many PUTs of the same key race (issue 7 "Storage").
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import { syncDir } from '../../../core/fsync.js';
import { blake3Hex, hashHandle } from '../digest.js';
import { blobPath, manifestPath, type EntryRef } from '../keys.js';
import { parseManifest, serializeManifest, type Manifest } from '../manifest.js';
import type { BlobStat, CacheBackend, FetchOptions, FetchResult, ManifestListItem, QuarantineReason, StoredManifest } from './index.js';

/** Blobs up to this size are read with synchronous calls (see fetchBlob). */
const SYNC_READ_MAX = 64 * 1024;

const identityOf = (s: { ino: number; size: number; mtimeMs: number; ctimeMs: number }) => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

export class FsBackend implements CacheBackend {
  readonly kind = 'fs' as const;
  readonly stagingDir: string;
  /** digest -> file identity when this process last hashed it in full (large-blob policy). */
  private readonly verified = new Map<string, string>();
  private readonly madeDirs = new Set<string>();

  constructor(readonly root: string) {
    this.stagingDir = path.join(root, 'tmp');
  }

  get location(): string {
    return this.root;
  }

  async init(): Promise<void> {
    try {
      for (const d of ['blobs', 'manifests', 'quarantine', 'events', 'tmp']) await mkdir(path.join(this.root, d), { recursive: true });
    } catch (e) {
      throw new CiError('E_BLOB_UNAVAILABLE', `cannot create the cache storage folder: ${(e as Error).message}`, {
        where: this.root,
        hint: 'pass a writable folder with --storage',
      });
    }
    // Staging files a dead process left behind are garbage; a live server's uploads (scrub and
    // stats may run beside it) are younger than a day and stay.
    const dayAgo = Date.now() - 86_400_000;
    for (const f of await readdir(this.stagingDir).catch(() => [] as string[])) {
      if (!f.startsWith('.tmp-')) continue;
      const p = path.join(this.stagingDir, f);
      const s = await stat(p).catch(() => null);
      if (s && s.mtimeMs < dayAgo) await rm(p, { force: true });
    }
  }

  private abs(rel: string): string {
    return path.join(this.root, ...rel.split('/'));
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  async commitBlob(tmpFile: string, digest: string): Promise<void> {
    const file = this.abs(blobPath(digest));
    const dir = path.dirname(file);
    await this.ensureDir(dir);
    // Replacing an existing copy is safe (same digest, same bytes) and heals a damaged one.
    await rename(tmpFile, file);
    await syncDir(dir);
    this.verified.delete(digest);
  }

  async fetchBlob(digest: string, expectedSize: number, opts: FetchOptions): Promise<FetchResult> {
    // Small blobs are read with synchronous calls: four thread-pool round trips (open, fstat,
    // read, close) cost more than the read itself when the file is in the page cache, which is
    // where a hot cache's small entries live. A cold read blocks the loop for one small read.
    if (expectedSize <= SYNC_READ_MAX) return this.fetchSmall(digest, expectedSize, opts);
    let fh: FileHandle;
    try {
      fh = await open(this.abs(blobPath(digest)), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing' };
      throw unavailable(digest, e);
    }
    let handedOff = false;
    try {
      const st = await fh.stat();
      const identity = identityOf(st);
      if (st.size !== expectedSize) return { ok: false, reason: 'size_mismatch', actual: String(st.size), identity };
      if (st.size <= opts.bufferMax) {
        const buf = await readExactly(fh, st.size);
        if (opts.verify) {
          const d = blake3Hex(buf);
          if (d !== digest) return { ok: false, reason: 'digest_mismatch', actual: d, identity };
        }
        return { ok: true, size: st.size, body: buf, hashed: opts.verify };
      }
      let hashed = false;
      if (opts.verify && !(st.size >= opts.trustVerifiedAbove && this.verified.get(digest) === identity)) {
        // Hash from disk first, then stream: the second read comes from the page cache.
        const h = await hashHandle(fh, st.size);
        if (h.digest !== digest || h.size !== st.size) return { ok: false, reason: 'digest_mismatch', actual: h.digest, identity };
        this.verified.set(digest, identity);
        hashed = true;
      }
      handedOff = true;
      return { ok: true, size: st.size, body: fh.createReadStream({ start: 0, highWaterMark: 1 << 20, autoClose: true }), hashed };
    } finally {
      if (!handedOff) await fh.close();
    }
  }

  private fetchSmall(digest: string, expectedSize: number, opts: FetchOptions): FetchResult {
    let fd: number;
    try {
      fd = openSync(this.abs(blobPath(digest)), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing' };
      throw unavailable(digest, e);
    }
    try {
      const st = fstatSync(fd);
      const identity = identityOf(st);
      if (st.size !== expectedSize) return { ok: false, reason: 'size_mismatch', actual: String(st.size), identity };
      const buf = Buffer.allocUnsafe(st.size);
      let off = 0;
      while (off < st.size) {
        const n = readSync(fd, buf, off, st.size - off, off);
        if (n === 0) break;
        off += n;
      }
      const body = off === st.size ? buf : buf.subarray(0, off);
      if (opts.verify) {
        const d = blake3Hex(body);
        if (d !== digest) return { ok: false, reason: 'digest_mismatch', actual: d, identity };
      }
      return { ok: true, size: st.size, body, hashed: opts.verify };
    } finally {
      closeSync(fd);
    }
  }

  async blobSize(digest: string): Promise<number | null> {
    try {
      return (await stat(this.abs(blobPath(digest)))).size;
    } catch {
      return null;
    }
  }

  async hashBlob(digest: string): Promise<{ digest: string; size: number; identity: string } | null> {
    let fh: FileHandle;
    try {
      fh = await open(this.abs(blobPath(digest)), 'r');
    } catch {
      return null;
    }
    try {
      const st = await fh.stat();
      const h = await hashHandle(fh, st.size);
      if (h.digest === digest) this.verified.set(digest, identityOf(st));
      return { ...h, identity: identityOf(st) };
    } finally {
      await fh.close();
    }
  }

  async quarantineBlob(digest: string, reason: QuarantineReason, identity?: string): Promise<string | null> {
    const file = this.abs(blobPath(digest));
    try {
      if (identity && identityOf(await stat(file)) !== identity) return null; // replaced meanwhile
      const rel = `quarantine/blobs/${digest}.${stamp()}.${reason}`;
      await this.ensureDir(path.dirname(this.abs(rel)));
      await rename(file, this.abs(rel));
      this.verified.delete(digest);
      return rel;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw unavailable(digest, e);
    }
  }

  async deleteBlob(digest: string): Promise<void> {
    await rm(this.abs(blobPath(digest)), { force: true });
    this.verified.delete(digest);
  }

  async *listBlobs(): AsyncIterable<BlobStat> {
    const base = this.abs('blobs');
    for (const sub of await sortedDir(base)) {
      for (const name of await sortedDir(path.join(base, sub))) {
        if (!/^[0-9a-f]{64}$/.test(name)) continue;
        try {
          const s = await stat(path.join(base, sub, name));
          yield { digest: name, size: s.size, modified: s.mtime };
        } catch {
          /* removed meanwhile */
        }
      }
    }
  }

  async readManifest(ref: EntryRef): Promise<StoredManifest | 'corrupt' | null> {
    return this.readManifestFile(this.abs(manifestPath(ref)));
  }

  private async readManifestFile(file: string): Promise<StoredManifest | 'corrupt' | null> {
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw unavailable(file, e);
    }
    try {
      const st = await fh.stat();
      const m = parseManifest(await fh.readFile());
      return m ? { manifest: m, lastHit: st.mtime } : 'corrupt';
    } finally {
      await fh.close();
    }
  }

  async writeManifest(m: Manifest): Promise<void> {
    const file = this.abs(manifestPath(m));
    const dir = path.dirname(file);
    await this.ensureDir(dir);
    await writeAtomic(file, serializeManifest(m), this.stagingDir);
    // The file's mtime is the entry's last hit (LRU): it starts at the creation time.
    const created = new Date(m.created);
    await utimes(file, created, created).catch(() => {});
    await syncDir(dir);
  }

  async deleteManifest(ref: EntryRef): Promise<void> {
    await rm(this.abs(manifestPath(ref)), { force: true });
  }

  async quarantineManifest(ref: EntryRef, reason: QuarantineReason): Promise<string | null> {
    return this.quarantineManifestPath(manifestPath(ref), reason);
  }

  async quarantineManifestPath(rel: string, reason: QuarantineReason): Promise<string | null> {
    const to = `quarantine/manifests/${path.posix.basename(rel, '.json')}.${stamp()}.${reason}.json`;
    try {
      await this.ensureDir(path.dirname(this.abs(to)));
      await rename(this.abs(rel), this.abs(to));
      return to;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw unavailable(rel, e);
    }
  }

  async touchManifest(ref: EntryRef, at: Date): Promise<void> {
    await utimes(this.abs(manifestPath(ref)), at, at).catch(() => {});
  }

  async *listManifests(): AsyncIterable<ManifestListItem> {
    const base = this.abs('manifests');
    for (const proto of await sortedDir(base)) {
      for (const ns of await sortedDir(path.join(base, proto))) {
        for (const sub of await sortedDir(path.join(base, proto, ns))) {
          for (const name of await sortedDir(path.join(base, proto, ns, sub))) {
            if (!name.endsWith('.json')) continue;
            const rel = `manifests/${proto}/${ns}/${sub}/${name}`;
            const r = await this.readManifestFile(this.abs(rel)).catch(() => 'corrupt' as const);
            if (r === null) continue;
            yield { path: rel, stored: r === 'corrupt' ? null : r };
          }
        }
      }
    }
  }

  async appendEvents(day: string, lines: string): Promise<void> {
    await appendFile(this.abs(`events/${day}.ndjson`), lines);
  }

  async *readEvents(sinceDay: string): AsyncIterable<string> {
    for (const f of await sortedDir(this.abs('events'))) {
      const m = /^(\d{4}-\d{2}-\d{2})\.ndjson$/.exec(f);
      if (!m || m[1]! < sinceDay) continue;
      const text = await readFile(this.abs(`events/${f}`), 'utf8');
      for (const line of text.split('\n')) if (line) yield line;
    }
  }

  async close(): Promise<void> {}
}

async function readExactly(fh: FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const { bytesRead } = await fh.read(buf, off, size - off, off);
    if (bytesRead === 0) return buf.subarray(0, off); // shrank meanwhile: the digest check catches it
    off += bytesRead;
  }
  return buf;
}

/** temp + write + fsync + rename (the caller fsyncs the folder). */
export async function writeAtomic(file: string, data: Buffer, tmpDir: string): Promise<void> {
  const tmp = path.join(tmpDir, `.tmp-m-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function sortedDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-') + '-' + randomBytes(3).toString('hex');
}

function unavailable(what: string, e: unknown): CiError {
  return new CiError('E_BLOB_UNAVAILABLE', `cache storage cannot read ${what}: ${(e as Error).message}`, {
    hint: 'check the storage folder is readable and the disk is healthy',
    cause: e,
  });
}

export { createReadStream };
