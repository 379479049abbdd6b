// The Prometheus exposition as a given caller may see it. Series carry the repository in a `repo`
// or `service` label (our pipeline and DORA series name it `service`, as the conventions do);
// a repo-limited token sees only its repositories' series, and series with no repository label
// (the build cache's, the process's) only a token for every repository (`**`). Label values are
// clipped and each metric's series count is capped, so whatever values clients send (repository,
// job and namespace names are theirs) a scrape stays bounded.
import { createHash } from 'node:crypto';
import type { Principal } from './tokens.js';

export interface ExpositionCaps {
  /** Longest label value kept; longer ones are cut and end in "…" and a hash of the whole (kept distinct). */
  maxLabelLength: number;
  /** Most series per metric family; the rest are left out and counted in ci_intel_metrics_series_dropped. */
  maxSeriesPerMetric: number;
}

export const DEFAULT_CAPS: ExpositionCaps = { maxLabelLength: 200, maxSeriesPerMetric: 10_000 };

const REPO_LABELS = new Set(['repo', 'service', 'repository']);
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(.*)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (v: string) => v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A long value cut to `max` characters that stays distinct from other cut values. */
const clip = (v: string, max: number) => `${v.slice(0, Math.max(0, max - 10))}…${createHash('sha256').update(v).digest('hex').slice(0, 9)}`;

/** The family a sample belongs to (histogram and summary samples carry a suffix). */
const familyOf = (name: string, families: Set<string>) => {
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (name.endsWith(suffix) && families.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return name;
};

export function scopeExposition(text: string, who: Principal, caps: ExpositionCaps = DEFAULT_CAPS): string {
  const everything = who.anonymous || who.repoPatterns.includes('**');
  const families = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+)/gm)) families.add(m[1]!);
  const seriesPer = new Map<string, Set<string>>();
  const dropped = new Map<string, number>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      out.push(line);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) continue; // not a sample line: never pass through what we cannot read
    const [, name, body, value] = m;
    const labels: Array<[string, string]> = [];
    let repo: string | null = null;
    for (const l of (body ?? '').matchAll(LABEL)) {
      const v = unescape(l[2]!);
      if (REPO_LABELS.has(l[1]!)) repo = v;
      labels.push([l[1]!, v.length > caps.maxLabelLength ? clip(v, caps.maxLabelLength) : v]);
    }
    if (repo === null ? !everything : !who.allowsRepo(repo)) continue;
    const family = familyOf(name!, families);
    // A histogram's buckets are one series: count distinct label sets without `le`.
    const key = labels
      .filter(([k]) => k !== 'le' && k !== 'quantile')
      .map(([k, v]) => `${k}=${v}`)
      .join('\u0000');
    let seen = seriesPer.get(family);
    if (!seen) seriesPer.set(family, (seen = new Set()));
    if (!seen.has(key)) {
      if (seen.size >= caps.maxSeriesPerMetric) {
        dropped.set(family, (dropped.get(family) ?? 0) + 1);
        continue;
      }
      seen.add(key);
    }
    out.push(labels.length ? `${name}{${labels.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}} ${value}` : `${name} ${value}`);
  }
  if (dropped.size) {
    out.push('# HELP ci_intel_metrics_series_dropped Series left out of this scrape because their metric has more than the cap');
    out.push('# TYPE ci_intel_metrics_series_dropped gauge');
    for (const [f, n] of [...dropped].sort()) out.push(`ci_intel_metrics_series_dropped{metric="${f}"} ${n}`);
  }
  return out.join('\n').replace(/\n*$/, '\n');
}
