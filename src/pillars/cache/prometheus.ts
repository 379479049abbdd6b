// Live counters of a running cache and their Prometheus series (issue 7 "Events and metrics"):
// hit ratio, bytes served, quarantines — what seed 001's alerts watch ("Cache hit rate drops
// below 70%" warning, "Cache corruption detected" critical; see alerts.yml beside this file).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheEventKind } from './events.js';

export interface NsCounters {
  protocol: string;
  namespace: string;
  hits: number;
  misses: number;
  puts: number;
  quarantines: number;
  evictions: number;
  bytesServed: number;
  bytesWritten: number;
}

/** Hit/miss counts in one-minute buckets over a sliding window (the hit-ratio gauge). */
class RatioWindow {
  private readonly buckets = new Map<number, { hits: number; misses: number }>();
  constructor(private readonly minutes: number) {}
  add(now: number, hit: boolean): void {
    const m = Math.floor(now / 60_000);
    let b = this.buckets.get(m);
    if (!b) {
      this.buckets.set(m, (b = { hits: 0, misses: 0 }));
      for (const k of this.buckets.keys()) if (k <= m - this.minutes) this.buckets.delete(k);
    }
    if (hit) b.hits++;
    else b.misses++;
  }
  ratio(now: number): { ratio: number | null; lookups: number } {
    const from = Math.floor(now / 60_000) - this.minutes;
    let hits = 0;
    let misses = 0;
    for (const [k, b] of this.buckets) {
      if (k <= from) continue;
      hits += b.hits;
      misses += b.misses;
    }
    const lookups = hits + misses;
    return { ratio: lookups ? hits / lookups : null, lookups };
  }
}

export class CacheCounters {
  readonly byNs = new Map<string, NsCounters>();
  private readonly windows = new Map<string, RatioWindow>();
  /** turbo's own client events (`POST /v8/artifacts/events`): ms saved by remote hits. */
  turboTimeSavedMs = 0;
  /** Filled by the last sweep: entries and bytes per namespace, unique blob bytes in total. */
  stored: { at: Date | null; entries: Map<string, { entries: number; bytes: number }>; uniqueBytes: number; blobs: number } = {
    at: null,
    entries: new Map(),
    uniqueBytes: 0,
    blobs: 0,
  };

  constructor(readonly windowMinutes = 60) {}

  private ns(protocol: string, namespace: string): NsCounters {
    const id = `${protocol}\0${namespace}`;
    let c = this.byNs.get(id);
    if (!c) {
      c = { protocol, namespace, hits: 0, misses: 0, puts: 0, quarantines: 0, evictions: 0, bytesServed: 0, bytesWritten: 0 };
      this.byNs.set(id, c);
    }
    return c;
  }

  count(kind: CacheEventKind, protocol: string, namespace: string, bytes: number, now: number): void {
    const c = this.ns(protocol, namespace);
    switch (kind) {
      case 'hit':
        c.hits++;
        c.bytesServed += bytes;
        this.window(protocol, namespace).add(now, true);
        break;
      case 'miss':
        c.misses++;
        this.window(protocol, namespace).add(now, false);
        break;
      case 'put':
        c.puts++;
        c.bytesWritten += bytes;
        break;
      case 'quarantine':
        c.quarantines++;
        break;
      case 'evict':
        c.evictions++;
        break;
    }
  }

  private window(protocol: string, namespace: string): RatioWindow {
    const id = `${protocol}\0${namespace}`;
    let w = this.windows.get(id);
    if (!w) this.windows.set(id, (w = new RatioWindow(this.windowMinutes)));
    return w;
  }

  hitRatios(now: number): Array<{ protocol: string; namespace: string; ratio: number; lookups: number }> {
    const out = [];
    for (const c of this.byNs.values()) {
      const r = this.window(c.protocol, c.namespace).ratio(now);
      if (r.ratio !== null) out.push({ protocol: c.protocol, namespace: c.namespace, ratio: r.ratio, lookups: r.lookups });
    }
    return out;
  }
}

/**
 * Registers the cache's series on a Prometheus registry; values are read from `counters` at
 * scrape time, so the same counters serve the hub's shared /metrics and the standalone server's.
 */
export function registerCacheMetrics(registry: Registry, counters: () => CacheCounters | null, now: () => number = Date.now): void {
  const labelNames = ['protocol', 'namespace'] as const;
  const counterOf = (name: string, help: string, pick: (c: NsCounters) => number, extra?: { labelNames: readonly string[] }) =>
    new Counter({
      name,
      help,
      labelNames: extra?.labelNames ?? labelNames,
      registers: [registry],
      collect() {
        this.reset();
        const cs = counters();
        if (!cs) return;
        for (const c of cs.byNs.values()) {
          const v = pick(c);
          if (v) this.inc({ protocol: c.protocol, namespace: c.namespace }, v);
        }
      },
    });
  new Counter({
    name: 'ci_intel_cache_requests_total',
    help: 'Cache lookups (GET/HEAD) by result: hit or miss',
    labelNames: ['protocol', 'namespace', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of counters()?.byNs.values() ?? []) {
        if (c.hits) this.inc({ protocol: c.protocol, namespace: c.namespace, result: 'hit' }, c.hits);
        if (c.misses) this.inc({ protocol: c.protocol, namespace: c.namespace, result: 'miss' }, c.misses);
      }
    },
  });
  counterOf('ci_intel_cache_bytes_served_total', 'Bytes of verified blobs sent to clients', (c) => c.bytesServed);
  counterOf('ci_intel_cache_bytes_written_total', 'Bytes of blobs received from clients (PUT)', (c) => c.bytesWritten);
  counterOf('ci_intel_cache_puts_total', 'Entries written (PUT)', (c) => c.puts);
  counterOf('ci_intel_cache_quarantines_total', 'Blobs or manifests that failed verification and were quarantined (corruption detected)', (c) => c.quarantines);
  counterOf('ci_intel_cache_evictions_total', 'Entries removed by the size cap (LRU) or the TTL', (c) => c.evictions);
  new Gauge({
    name: 'ci_intel_cache_hit_ratio',
    help: 'Hits / lookups over the last window (default 60 min); absent without lookups',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of counters()?.hitRatios(now()) ?? []) this.set({ protocol: r.protocol, namespace: r.namespace }, r.ratio);
    },
  });
  new Gauge({
    name: 'ci_intel_cache_entries',
    help: 'Entries (manifests) per namespace at the last sweep',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [id, e] of counters()?.stored.entries ?? []) {
        const [protocol, namespace] = id.split('\0');
        this.set({ protocol: protocol!, namespace: namespace! }, e.entries);
      }
    },
  });
  new Gauge({
    name: 'ci_intel_cache_stored_bytes',
    help: 'Bytes of unique blobs in storage at the last sweep',
    registers: [registry],
    collect() {
      this.set(counters()?.stored.uniqueBytes ?? 0);
    },
  });
  new Counter({
    name: 'ci_intel_cache_turbo_time_saved_ms_total',
    help: 'Task time turbo reports it saved through remote hits (its own /v8/artifacts/events)',
    registers: [registry],
    collect() {
      this.reset();
      const v = counters()?.turboTimeSavedMs ?? 0;
      if (v) this.inc(v);
    },
  });
}
