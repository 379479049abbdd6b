// Samples from a Prometheus server through its HTTP API (GET /api/v1/query_range), the way Argo's
// Prometheus provider reads them: one query per metric and track. A query is written once, with
// Argo's `{{ args.NAME }}` placeholders; `{{ args.track }}` becomes the --baseline or --canary value.
import { createHash } from 'node:crypto';
import { CiError } from '../../../core/errors.js';
import type { AnalysisSpec } from './analysis.js';
import type { Sample, Track } from './samples.js';

export interface RangeWindow {
  start: Date;
  end: Date;
  stepS: number;
}

export interface PromQuery {
  metric: string;
  track: 'baseline' | 'canary';
  query: string;
  /** sha256 of Prometheus' answer, so a stored decision names exactly what it read. */
  sha256: string;
  samples: number;
}

export function expandQuery(template: string, args: Record<string, string>, where: string): string {
  return template.replace(/\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}/g, (_, name: string) => {
    const v = args[name];
    if (v === undefined) throw new CiError('E_USAGE', `the query uses {{ args.${name} }}, which has no value`, { where, hint: `pass --arg ${name}=VALUE` });
    return v;
  });
}

export type Fetch = (url: string) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export async function rangeQuery(base: string, query: string, w: RangeWindow, where: string, fetcher: Fetch): Promise<{ samples: Sample[]; sha256: string }> {
  const u = new URL('api/v1/query_range', base.endsWith('/') ? base : `${base}/`);
  u.searchParams.set('query', query);
  u.searchParams.set('start', (w.start.getTime() / 1000).toFixed(3));
  u.searchParams.set('end', (w.end.getTime() / 1000).toFixed(3));
  u.searchParams.set('step', String(w.stepS));
  let body: string;
  let status: number;
  try {
    const res = await fetcher(u.toString());
    status = res.status;
    body = await res.text();
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot reach Prometheus at ${base}: ${(e as Error).message}`, { where: '--prometheus', hint: 'check the URL' });
  }
  let doc: { status?: string; error?: string; data?: { resultType?: string; result?: Array<{ values?: [number, string][] }> } };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch {
    throw new CiError('E_INPUT_UNREADABLE', `Prometheus answered HTTP ${status} with something other than JSON`, { where: u.toString() });
  }
  if (doc.status !== 'success') throw new CiError('E_INPUT_UNREADABLE', `Prometheus refused the query: ${doc.error ?? `HTTP ${status}`}`, { where });
  const result = doc.data?.result ?? [];
  if (doc.data?.resultType !== 'matrix' || result.length > 1)
    throw new CiError('E_INPUT_UNREADABLE', `the query returns ${result.length} series; the judge needs one per track`, {
      where,
      hint: 'aggregate it, e.g. sum(...) or histogram_quantile(0.95, sum by (le) (...))',
    });
  const samples = (result[0]?.values ?? []).map(([t, v]) => ({ t: Math.round(t * 1000), v: Number(v) })).filter((s) => Number.isFinite(s.v));
  return { samples, sha256: createHash('sha256').update(body).digest('hex') };
}

/** Reads both tracks of every metric with a query; returns the samples and what was asked. */
export async function readPrometheus(
  base: string,
  spec: AnalysisSpec,
  tracks: { baseline: string; canary: string },
  args: Record<string, string>,
  w: RangeWindow,
  where: string,
  fetcher: Fetch = fetch,
): Promise<{ baseline: Track; canary: Track; queries: PromQuery[] }> {
  const out = { baseline: new Map() as Track, canary: new Map() as Track, queries: [] as PromQuery[] };
  for (const m of spec.metrics) {
    if (!m.query) throw new CiError('E_USAGE', `metric ${m.name} has no query`, { where, hint: 'add query: (or provider.prometheus.query:) to the metric' });
    for (const track of ['baseline', 'canary'] as const) {
      const query = expandQuery(m.query, { ...args, track: tracks[track] }, `${where} (metric ${m.name})`);
      const r = await rangeQuery(base, query, w, `${where} (metric ${m.name}, ${track})`, fetcher);
      out[track].set(m.name, r.samples);
      out.queries.push({ metric: m.name, track, query, sha256: r.sha256, samples: r.samples.length });
    }
  }
  return out;
}
