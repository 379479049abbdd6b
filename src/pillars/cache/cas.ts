// The Cache Sentinel (seed 000 pillar 8): a content-addressed store behind every protocol.
// GET verifies BEFORE anything is sent — the manifest's signature (checked once per load, the
// result cached) and the blob's BLAKE3 digest and size — and a blob that fails is never served:
// the client gets a miss, so it rebuilds; the blob goes to quarantine and a quarantine event is
// recorded (seed 000 "Cache integrity"). Sweeps apply the TTL and the size cap (LRU).
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { CiError } from '../../core/errors.js';
import type { CacheEvent, CacheEventKind, EventSink } from './events.js';
import { refId, type EntryRef } from './keys.js';
import { type Manifest, type ManifestMeta, type ManifestSigner } from './manifest.js';
import type { CacheCounters } from './prometheus.js';
import { stageUpload } from './stage.js';
import type { CacheBackend, FetchOptions, QuarantineReason, StoredManifest } from './storage/index.js';

export interface SentinelOptions {
  backend: CacheBackend;
  sink: EventSink;
  counters: CacheCounters;
  now: () => Date;
  log?: Logger | null;
  signer?: ManifestSigner | null;
  verify: FetchOptions;
  /** Size cap over unique blob bytes (LRU eviction above it); null = no cap. */
  maxBytes: number | null;
  /** Entries not hit for this long are evicted; null = never. */
  ttlMs: number | null;
  uploadMaxBytes: number;
  minUploadBytesPerSec: number;
  uploadGraceMs: number;
  /** Manifests kept in memory (most recently used). */
  manifestCacheEntries?: number;
  /** A hit is written back to the manifest's last-hit time at most this often per entry. */
  touchEveryMs?: number;
  /** Unreferenced blobs younger than this are kept (a PUT writes its blob before its manifest). */
  orphanGraceMs?: number;
}

interface Loaded {
  stored: StoredManifest;
  sigOk: boolean;
  touchedAt: number;
}

export type GetResult = { hit: true; manifest: Manifest; size: number; body: Buffer | Readable | null } | { hit: false; quarantined?: QuarantineReason };

export interface QuarantineRecord {
  kind: 'blob' | 'manifest';
  reason: QuarantineReason;
  digest: string | null;
  /** Where it went in storage. */
  to: string | null;
  refs: string[];
}

export interface ScrubReport {
  checked: number;
  ok: number;
  quarantined: QuarantineRecord[];
  /** Manifests whose blob is gone (removed; their next GET was already a miss). */
  dangling: number;
}

export interface SweepReport {
  manifests: number;
  blobs: number;
  uniqueBytes: number;
  evicted: { ttl: number; lru: number; dangling: number; orphanBlobs: number };
}

export class Sentinel {
  private readonly mcache = new Map<string, Loaded>();
  private readonly cacheMax: number;
  private readonly touchEveryMs: number;
  private sweeping: Promise<SweepReport> | null = null;
  /** Unique bytes at the last sweep plus bytes put since: triggers an early sweep over the cap. */
  private approxBytes = 0;
  private closed = false;

  constructor(readonly opts: SentinelOptions) {
    this.cacheMax = opts.manifestCacheEntries ?? 100_000;
    this.touchEveryMs = opts.touchEveryMs ?? 60_000;
  }

  get backend(): CacheBackend {
    return this.opts.backend;
  }

  private event(kind: CacheEventKind, ref: EntryRef, digest: string | null, bytes: number, reason: string | null = null, taskMs: number | null = null): void {
    const at = this.opts.now();
    const e: CacheEvent = { at, kind, protocol: ref.protocol, namespace: ref.namespace, key: ref.key, digest, bytes, reason, task_ms: taskMs };
    this.opts.counters.count(kind, ref.protocol, ref.namespace, bytes, at.getTime());
    this.opts.sink.record(e);
  }

  private remember(id: string, l: Loaded): void {
    this.mcache.delete(id);
    this.mcache.set(id, l);
    if (this.mcache.size > this.cacheMax) this.mcache.delete(this.mcache.keys().next().value!);
  }

  private forget(ref: EntryRef): void {
    this.mcache.delete(refId(ref));
  }

  /** The ref's manifest, loaded once and cached; corrupt or misplaced manifests are quarantined. */
  private async lookup(ref: EntryRef): Promise<Loaded | null> {
    const id = refId(ref);
    const cached = this.mcache.get(id);
    if (cached) {
      this.remember(id, cached);
      return cached;
    }
    const r = await this.opts.backend.readManifest(ref);
    if (r === null) return null;
    const m = r === 'corrupt' ? null : r.manifest;
    // A manifest copied to another key's place is as bad as an unreadable one.
    if (r === 'corrupt' || m!.protocol !== ref.protocol || m!.namespace !== ref.namespace || m!.key !== ref.key) {
      const to = await this.opts.backend.quarantineManifest(ref, 'manifest_corrupt');
      this.event('quarantine', ref, m?.digest ?? null, 0, 'manifest_corrupt');
      this.opts.log?.warn({ ref: id, to }, 'cache: corrupt manifest quarantined');
      return null;
    }
    const l: Loaded = { stored: r, sigOk: this.opts.signer ? this.opts.signer.verify(r.manifest) : true, touchedAt: r.lastHit.getTime() };
    this.remember(id, l);
    return l;
  }

  /** A lookup: a verified body on a hit, a miss otherwise (including everything that failed verification). */
  async get(ref: EntryRef, opts: { head?: boolean } = {}): Promise<GetResult> {
    const l = await this.lookup(ref);
    if (!l) {
      this.event('miss', ref, null, 0);
      return { hit: false };
    }
    const m = l.stored.manifest;
    if (!l.sigOk) {
      this.forget(ref);
      const to = await this.opts.backend.quarantineManifest(ref, 'signature_invalid');
      this.event('quarantine', ref, m.digest, m.size, 'signature_invalid');
      this.event('miss', ref, null, 0);
      this.opts.log?.warn({ ref: refId(ref), to }, 'cache: manifest signature invalid, quarantined');
      return { hit: false, quarantined: 'signature_invalid' };
    }
    const r = await this.opts.backend.fetchBlob(m.digest, m.size, this.opts.verify);
    if (!r.ok) {
      this.forget(ref);
      if (r.reason === 'missing') {
        // Dangling (quarantined through another key, evicted, lost in a crash): a plain miss;
        // the next sweep removes the manifest, the next PUT replaces it.
        this.event('miss', ref, null, 0);
        return { hit: false };
      }
      const to = await this.opts.backend.quarantineBlob(m.digest, r.reason, r.identity);
      this.event('quarantine', ref, m.digest, m.size, r.reason);
      this.event('miss', ref, null, 0);
      this.opts.log?.warn({ ref: refId(ref), digest: m.digest, reason: r.reason, actual: r.actual, to }, 'cache: blob failed verification, quarantined');
      return { hit: false, quarantined: r.reason };
    }
    // A HEAD only asks whether the entry exists: no bytes served, no build time saved yet.
    this.event('hit', ref, m.digest, opts.head ? 0 : r.size, null, opts.head ? null : (m.meta?.duration ?? null));
    const now = this.opts.now().getTime();
    if (now - l.touchedAt >= this.touchEveryMs) {
      l.touchedAt = now;
      void this.opts.backend.touchManifest(ref, new Date(now), l.stored).catch(() => {});
    }
    let body = r.body;
    if (opts.head && !Buffer.isBuffer(body)) {
      (body as Readable).destroy();
      body = null as unknown as Buffer;
    }
    return { hit: true, manifest: m, size: r.size, body: opts.head ? null : body };
  }

  /** Manifest facts without reading the blob (turbo's batch query). */
  async peek(ref: EntryRef): Promise<Manifest | null> {
    const l = await this.lookup(ref);
    return l && l.sigOk ? l.stored.manifest : null;
  }

  /** Streams an upload into storage; `sha256` makes it a content-addressed upload (Bazel CAS). */
  async put(ref: EntryRef, body: Readable, meta?: ManifestMeta, opts: { sha256?: string } = {}): Promise<Manifest> {
    const staged = await stageUpload(body, {
      dir: this.opts.backend.stagingDir,
      maxBytes: this.opts.uploadMaxBytes,
      sha256: Boolean(opts.sha256),
      minBytesPerSec: this.opts.minUploadBytesPerSec,
      graceMs: this.opts.uploadGraceMs,
    });
    if (opts.sha256 && staged.sha256 !== opts.sha256) {
      await rm(staged.tmpFile, { force: true });
      throw new CiError('E_CACHE_DIGEST_MISMATCH', `the body's SHA-256 is ${staged.sha256}, not its key ${opts.sha256}`, {
        where: 'request path',
        hint: 'a CAS entry is keyed by the SHA-256 of its content; nothing was stored',
      });
    }
    let m: Manifest = {
      v: 1,
      protocol: ref.protocol,
      namespace: ref.namespace,
      key: ref.key,
      digest: staged.digest,
      size: staged.size,
      created: this.opts.now().toISOString(),
      ...(meta && (meta.duration !== undefined || meta.tag !== undefined) ? { meta } : {}),
    };
    if (this.opts.signer?.canSign) m = this.opts.signer.sign(m);
    try {
      // Blob first, then its manifest: a reader never finds a manifest whose blob is still coming.
      await this.opts.backend.commitBlob(staged.tmpFile, staged.digest, staged.size);
    } catch (e) {
      await rm(staged.tmpFile, { force: true });
      throw e;
    }
    await this.opts.backend.writeManifest(m);
    this.remember(refId(ref), { stored: { manifest: m, lastHit: this.opts.now() }, sigOk: true, touchedAt: this.opts.now().getTime() });
    this.event('put', ref, m.digest, m.size, null, m.meta?.duration ?? null);
    this.approxBytes += m.size;
    if (this.opts.maxBytes !== null && this.approxBytes > this.opts.maxBytes)
      void this.sweep().catch((e) => this.opts.log?.error({ err: e }, 'cache: sweep failed'));
    return m;
  }

  async delete(ref: EntryRef): Promise<boolean> {
    const had = await this.opts.backend.readManifest(ref);
    this.forget(ref);
    if (!had) return false;
    await this.opts.backend.deleteManifest(ref);
    return true;
  }

  /**
   * Applies the TTL and the size cap: removes expired and dangling manifests, then the least
   * recently hit entries until the unique blob bytes fit, then unreferenced blobs.
   */
  sweep(): Promise<SweepReport> {
    if (!this.sweeping) {
      this.sweeping = this.doSweep().finally(() => {
        this.sweeping = null;
      });
    }
    return this.sweeping;
  }

  private async doSweep(): Promise<SweepReport> {
    const b = this.opts.backend;
    const now = this.opts.now().getTime();
    const entries: Array<{ ref: EntryRef; digest: string; size: number; lastHit: number }> = [];
    for await (const item of b.listManifests()) {
      if (!item.stored) {
        const to = await b.quarantineManifestPath(item.path, 'manifest_corrupt');
        if (to) this.opts.log?.warn({ path: item.path, to }, 'cache: corrupt manifest quarantined');
        continue;
      }
      const m = item.stored.manifest;
      entries.push({
        ref: { protocol: m.protocol, namespace: m.namespace, key: m.key },
        digest: m.digest,
        size: m.size,
        lastHit: item.stored.lastHit.getTime(),
      });
    }
    const blobs = new Map<string, { size: number; modified: number }>();
    for await (const bl of b.listBlobs()) blobs.set(bl.digest, { size: bl.size, modified: bl.modified.getTime() });

    const evicted = { ttl: 0, lru: 0, dangling: 0, orphanBlobs: 0 };
    const live: typeof entries = [];
    const remove = async (e: (typeof entries)[number], reason: 'ttl' | 'lru' | 'dangling') => {
      await b.deleteManifest(e.ref);
      this.forget(e.ref);
      evicted[reason]++;
      if (reason !== 'dangling') this.event('evict', e.ref, e.digest, e.size, reason);
    };
    for (const e of entries) {
      if (!blobs.has(e.digest)) await remove(e, 'dangling');
      else if (this.opts.ttlMs !== null && now - e.lastHit > this.opts.ttlMs) await remove(e, 'ttl');
      else live.push(e);
    }
    const refs = new Map<string, number>();
    for (const e of live) refs.set(e.digest, (refs.get(e.digest) ?? 0) + 1);
    const grace = this.opts.orphanGraceMs ?? 3_600_000;
    let unique = 0;
    for (const [digest, bl] of blobs) {
      if (refs.has(digest)) unique += bl.size;
      else if (now - bl.modified > grace) {
        await b.deleteBlob(digest);
        evicted.orphanBlobs++;
      } else unique += bl.size;
    }
    if (this.opts.maxBytes !== null && unique > this.opts.maxBytes) {
      live.sort((x, y) => x.lastHit - y.lastHit || refId(x.ref).localeCompare(refId(y.ref)));
      let i = 0;
      for (; i < live.length && unique > this.opts.maxBytes; i++) {
        const e = live[i]!;
        await remove(e, 'lru');
        const n = (refs.get(e.digest) ?? 1) - 1;
        refs.set(e.digest, n);
        if (n === 0) {
          await b.deleteBlob(e.digest);
          unique -= blobs.get(e.digest)?.size ?? 0;
        }
      }
      live.splice(0, i);
    }
    const per = new Map<string, { entries: number; bytes: number }>();
    for (const e of live) {
      const id = `${e.ref.protocol}\0${e.ref.namespace}`;
      const p = per.get(id) ?? { entries: 0, bytes: 0 };
      p.entries++;
      p.bytes += e.size;
      per.set(id, p);
    }
    this.opts.counters.stored = { at: new Date(now), entries: per, uniqueBytes: unique, blobs: [...refs.values()].filter((n) => n > 0).length };
    this.approxBytes = unique;
    await this.opts.sink.flush();
    return { manifests: live.length, blobs: blobs.size - evicted.orphanBlobs, uniqueBytes: unique, evicted };
  }

  /**
   * Re-verifies everything (`ci-intel cache scrub`): every manifest (readable, signature) and every
   * blob (BLAKE3 of its bytes against its name). Failures are quarantined and recorded.
   */
  async scrub(onProgress?: (done: number) => void): Promise<ScrubReport> {
    const b = this.opts.backend;
    const quarantined: QuarantineRecord[] = [];
    let checked = 0;
    const byDigest = new Map<string, Array<{ ref: EntryRef; size: number }>>();
    for await (const item of b.listManifests()) {
      checked++;
      if (!item.stored) {
        const to = await b.quarantineManifestPath(item.path, 'manifest_corrupt');
        quarantined.push({ kind: 'manifest', reason: 'manifest_corrupt', digest: null, to, refs: [item.path] });
        continue;
      }
      const m = item.stored.manifest;
      const ref: EntryRef = { protocol: m.protocol, namespace: m.namespace, key: m.key };
      if (this.opts.signer && !this.opts.signer.verify(m)) {
        this.forget(ref);
        const to = await b.quarantineManifest(ref, 'signature_invalid');
        this.event('quarantine', ref, m.digest, m.size, 'signature_invalid');
        quarantined.push({ kind: 'manifest', reason: 'signature_invalid', digest: m.digest, to, refs: [refId(ref)] });
        continue;
      }
      const l = byDigest.get(m.digest) ?? [];
      l.push({ ref, size: m.size });
      byDigest.set(m.digest, l);
    }
    let dangling = 0;
    const seen = new Set<string>();
    let done = 0;
    for await (const bl of b.listBlobs()) {
      checked++;
      seen.add(bl.digest);
      const h = await b.hashBlob(bl.digest);
      onProgress?.(++done);
      if (!h || h.digest === bl.digest) continue;
      const users = byDigest.get(bl.digest) ?? [];
      const reason: QuarantineReason = users.some((u) => u.size !== h.size) ? 'size_mismatch' : 'digest_mismatch';
      const to = await b.quarantineBlob(bl.digest, reason, h.identity);
      for (const u of users) this.forget(u.ref);
      for (const u of users) this.event('quarantine', u.ref, bl.digest, u.size, reason);
      quarantined.push({ kind: 'blob', reason, digest: bl.digest, to, refs: users.map((u) => refId(u.ref)).sort() });
    }
    for (const [digest, users] of byDigest) if (!seen.has(digest)) dangling += users.length;
    await this.opts.sink.flush();
    quarantined.sort((x, y) => (x.digest ?? '').localeCompare(y.digest ?? '') || x.kind.localeCompare(y.kind));
    return { checked, ok: checked - quarantined.length, quarantined, dangling };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sweeping?.catch(() => {});
    await this.opts.sink.flush();
    await this.opts.backend.close();
  }
}
