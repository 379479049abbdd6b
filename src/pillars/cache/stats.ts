// `ci-intel cache stats`: hit ratio, bytes, entries, quarantines and evictions per namespace
// (issue 7), from the event journal (or the hub's cache_events) and an inventory of the storage.
// Pure aggregation: the caller supplies the events, the inventory and the window.
import { fmtDuration } from '../../core/duration.js';
import type { CacheEvent } from './events.js';
import type { CacheBackend } from './storage/index.js';

export interface NsStats {
  protocol: string;
  namespace: string;
  hits: number;
  misses: number;
  /** hits / (hits + misses); null without lookups ("no data is not zero", DESIGN.md). */
  hit_ratio: number | null;
  bytes_served: number;
  puts: number;
  bytes_written: number;
  quarantines: number;
  evictions: number;
  /** Entries (manifests) stored now, and the bytes they name (a blob shared by two entries counts twice). */
  entries: number;
  bytes_stored: number;
  /** Build time the hits saved and the puts cost (the producing task's duration as the client reported it; turbo does). */
  time_saved_ms: number;
  build_ms: number;
}

export interface StatsReport {
  since: string;
  until: string;
  namespaces: NsStats[];
  total: NsStats;
  /** Bytes of unique blobs in storage (content addressing stores each blob once). */
  unique_bytes: number;
  blobs: number;
}

export interface Inventory {
  perNs: Map<string, { entries: number; bytes: number }>;
  uniqueBytes: number;
  blobs: number;
}

const nsId = (protocol: string, namespace: string) => `${protocol}\0${namespace}`;

const empty = (protocol: string, namespace: string): NsStats => ({
  protocol,
  namespace,
  hits: 0,
  misses: 0,
  hit_ratio: null,
  bytes_served: 0,
  puts: 0,
  bytes_written: 0,
  quarantines: 0,
  evictions: 0,
  entries: 0,
  bytes_stored: 0,
  time_saved_ms: 0,
  build_ms: 0,
});

/** Read-only listing: entries and bytes per namespace, unique blob bytes. */
export async function takeInventory(backend: CacheBackend): Promise<Inventory> {
  const perNs = new Map<string, { entries: number; bytes: number }>();
  for await (const item of backend.listManifests()) {
    if (!item.stored) continue;
    const m = item.stored.manifest;
    const id = nsId(m.protocol, m.namespace);
    const p = perNs.get(id) ?? { entries: 0, bytes: 0 };
    p.entries++;
    p.bytes += m.size;
    perNs.set(id, p);
  }
  let uniqueBytes = 0;
  let blobs = 0;
  for await (const b of backend.listBlobs()) {
    uniqueBytes += b.size;
    blobs++;
  }
  return { perNs, uniqueBytes, blobs };
}

/** Events counted per (kind, protocol, namespace): what the journal and the cache_events table both reduce to. */
export interface Tally {
  kind: CacheEvent['kind'];
  protocol: string;
  namespace: string;
  n: number;
  bytes: number;
  task_ms: number;
}

/** Counts events inside [since, until]. */
export function tally(events: Iterable<CacheEvent>, since: Date, until: Date): Tally[] {
  const m = new Map<string, Tally>();
  for (const e of events) {
    if (e.at < since || e.at > until) continue;
    const id = `${e.kind}\0${e.protocol}\0${e.namespace}`;
    let t = m.get(id);
    if (!t) m.set(id, (t = { kind: e.kind, protocol: e.protocol, namespace: e.namespace, n: 0, bytes: 0, task_ms: 0 }));
    t.n++;
    t.bytes += e.bytes;
    t.task_ms += e.task_ms ?? 0;
  }
  return [...m.values()];
}

export function computeStats(tallies: Iterable<Tally>, inv: Inventory, since: Date, until: Date): StatsReport {
  const rows = new Map<string, NsStats>();
  const row = (protocol: string, namespace: string) => {
    const id = nsId(protocol, namespace);
    let r = rows.get(id);
    if (!r) rows.set(id, (r = empty(protocol, namespace)));
    return r;
  };
  for (const t of tallies) {
    const r = row(t.protocol, t.namespace);
    switch (t.kind) {
      case 'hit':
        r.hits += t.n;
        r.bytes_served += t.bytes;
        r.time_saved_ms += t.task_ms;
        break;
      case 'miss':
        r.misses += t.n;
        break;
      case 'put':
        r.puts += t.n;
        r.bytes_written += t.bytes;
        r.build_ms += t.task_ms;
        break;
      case 'quarantine':
        r.quarantines += t.n;
        break;
      case 'evict':
        r.evictions += t.n;
        break;
    }
  }
  for (const [id, p] of inv.perNs) {
    const [protocol, namespace] = id.split('\0') as [string, string];
    const r = row(protocol, namespace);
    r.entries = p.entries;
    r.bytes_stored = p.bytes;
  }
  const namespaces = [...rows.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.protocol.localeCompare(b.protocol));
  const total = empty('*', '*');
  for (const r of namespaces) {
    for (const k of [
      'hits',
      'misses',
      'bytes_served',
      'puts',
      'bytes_written',
      'quarantines',
      'evictions',
      'entries',
      'bytes_stored',
      'time_saved_ms',
      'build_ms',
    ] as const)
      total[k] += r[k];
  }
  for (const r of [...namespaces, total]) r.hit_ratio = r.hits + r.misses ? round4(r.hits / (r.hits + r.misses)) : null;
  return { since: since.toISOString(), until: until.toISOString(), namespaces, total, unique_bytes: inv.uniqueBytes, blobs: inv.blobs };
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The text table of `cache stats`. */
export function renderStats(r: StatsReport): string {
  const head = ['NAMESPACE', 'PROTOCOL', 'HIT RATIO', 'HITS', 'MISSES', 'SERVED', 'TIME SAVED', 'ENTRIES', 'STORED', 'PUTS', 'QUARANTINES', 'EVICTIONS'];
  const line = (s: NsStats) => [
    s.namespace,
    s.protocol,
    s.hit_ratio === null ? '-' : `${(s.hit_ratio * 100).toFixed(1)}%`,
    String(s.hits),
    String(s.misses),
    formatBytes(s.bytes_served),
    s.time_saved_ms ? fmtDuration(s.time_saved_ms / 1000) : '-',
    String(s.entries),
    formatBytes(s.bytes_stored),
    String(s.puts),
    String(s.quarantines),
    String(s.evictions),
  ];
  const table = [head, ...r.namespaces.map(line), line({ ...r.total, namespace: 'TOTAL', protocol: '' })];
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const out = table.map((row) =>
    row
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  return `cache stats ${r.since} .. ${r.until}\n` + out.join('\n') + `\nunique blobs: ${r.blobs} (${formatBytes(r.unique_bytes)})\n`;
}
