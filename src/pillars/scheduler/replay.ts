// `scheduler replay`: a history replayed in time order, each run predicted from the runs before it
// only, scored next to the naive mean-of-last-3 in the same pass (issue 19 item 1). Pure: lines
// in, a report out. Bad lines are reported with their line number; the good ones are still used.
import { DEFAULT_MODEL, emptyState, meanOfLast3, predict, update, type ModelOptions, type RunFeatures, type SeriesState } from './model.js';

export interface HistoryRun {
  series: string;
  time: number;
  /** Secondary order (started_at when both times are given), then the line. */
  time2: number;
  line: number;
  duration_ms: number;
  features: RunFeatures;
}

export interface BadLine {
  line: number;
  reason: string;
}

const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};

const timeOf = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v; // epoch seconds or ms
  if (typeof v === 'string' && v.trim()) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
    const n = num(v);
    if (n !== null) return n < 1e11 ? n * 1000 : n;
  }
  return null;
};

const cacheOf = (v: unknown): boolean | null => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v > 0;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (['true', 'hit', 'yes', '1', 'warm'].includes(s)) return true;
    if (['false', 'miss', 'no', '0', 'cold'].includes(s)) return false;
  }
  return null;
};

const commitOf = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** Reads one history line (already JSON-parsed): the run, or why it cannot be used. */
export function readHistoryLine(o: unknown, line: number): HistoryRun | BadLine {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return { line, reason: 'not a JSON object' };
  const r = o as Record<string, unknown>;
  const feat = (r.features && typeof r.features === 'object' ? r.features : {}) as Record<string, unknown>;
  const pick = (k: string) => (r[k] !== undefined ? r[k] : feat[k]);
  const d = num(r.duration_ms);
  if (d === null) return { line, reason: 'duration_ms is missing or not a number: add the run duration in milliseconds' };
  if (d <= 0) return { line, reason: `duration_ms ${d} is not positive: a run lasts more than 0 ms` };
  const repo = typeof r.repo === 'string' && r.repo ? r.repo : typeof r.project === 'string' && r.project ? r.project : null;
  if (!repo) return { line, reason: 'no series: add "repo" (or "project") naming what the run belongs to' };
  const t1 = timeOf(r.commit_time);
  const t2 = timeOf(r.started_at);
  const time = t1 ?? t2;
  if (time === null) return { line, reason: 'no time: add "commit_time" or "started_at" (ISO 8601 or epoch)' };
  const parts = [repo];
  if (typeof r.workflow === 'string' && r.workflow) parts.push(r.workflow);
  if (typeof r.job === 'string' && r.job) parts.push(r.job);
  const runner = pick('runner_type') ?? pick('runner');
  return {
    series: parts.join(' / '),
    time,
    time2: t1 !== null && t2 !== null ? t2 : time,
    line,
    duration_ms: d,
    features: {
      changed_files: num(pick('changed_files')),
      test_count: num(pick('test_count')),
      cache_hit: cacheOf(pick('cache_hit') ?? pick('cache_hits')),
      runner_type: typeof runner === 'string' && runner ? runner : null,
      queue_ms: num(pick('queue_ms')),
      commit: commitOf(r.commit ?? r.commit_sha ?? r.sha),
    },
  };
}

export interface Score {
  /** Runs scored (those with at least one earlier run in their series). */
  scored: number;
  /** Mean absolute percentage error, in percent. */
  mape_pct: number | null;
  /** Share of runs predicted within 10 % of the actual, in percent. */
  within_10_pct: number | null;
}

export interface SeriesReport {
  series: string;
  runs: number;
  model: Score;
  mean_of_last_3: Score;
  /** (naive MAPE − model MAPE) / naive MAPE, in percent: how much lower the model's error is. */
  improvement_pct: number | null;
  /** Runs predicted by the deterministic fallback (recent median). */
  fallback_runs: number;
  /** p90 coverage: share of runs at or under the predicted p90, in percent. */
  p90_coverage_pct: number | null;
}

export interface ReplayReport {
  runs: number;
  series: SeriesReport[];
  overall: Omit<SeriesReport, 'series'>;
  bad_lines: BadLine[];
}

class Acc {
  n = 0;
  ape = 0;
  within = 0;
  add(pred: number, actual: number) {
    const e = Math.abs(pred - actual) / actual;
    this.n++;
    this.ape += e;
    if (e <= 0.1) this.within++;
  }
  score(): Score {
    return {
      scored: this.n,
      mape_pct: this.n ? round((this.ape / this.n) * 100) : null,
      within_10_pct: this.n ? round((this.within / this.n) * 100) : null,
    };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Replays the runs in time order (time, then started_at, then line), each predicted before it is learnt. */
export function replay(runs: readonly HistoryRun[], badLines: BadLine[] = [], opts: ModelOptions = DEFAULT_MODEL): ReplayReport {
  const order = [...runs].sort((a, b) => a.time - b.time || a.time2 - b.time2 || a.line - b.line);
  const states = new Map<string, SeriesState>();
  const acc = new Map<string, { model: Acc; naive: Acc; runs: number; fallback: number; p90: number }>();
  const all = { model: new Acc(), naive: new Acc(), runs: 0, fallback: 0, p90: 0 };
  for (const r of order) {
    const s = states.get(r.series) ?? emptyState();
    let a = acc.get(r.series);
    if (!a) acc.set(r.series, (a = { model: new Acc(), naive: new Acc(), runs: 0, fallback: 0, p90: 0 }));
    a.runs++;
    all.runs++;
    const p = predict(s, r.features, opts);
    const naive = meanOfLast3(s);
    if (p.method !== 'none' && naive !== null) {
      for (const x of [a, all]) {
        x.model.add(p.p50_ms, r.duration_ms);
        x.naive.add(naive, r.duration_ms);
        if (p.method === 'fallback-median') x.fallback++;
        if (r.duration_ms <= p.p90_ms) x.p90++;
      }
    }
    states.set(r.series, update(s, r.features, r.duration_ms));
  }
  const report = (x: typeof all): Omit<SeriesReport, 'series'> => {
    const model = x.model.score();
    const naive = x.naive.score();
    return {
      runs: x.runs,
      model,
      mean_of_last_3: naive,
      improvement_pct: model.mape_pct !== null && naive.mape_pct ? round(((naive.mape_pct - model.mape_pct) / naive.mape_pct) * 100) : null,
      fallback_runs: x.fallback,
      p90_coverage_pct: x.model.n ? round((x.p90 / x.model.n) * 100) : null,
    };
  };
  return {
    runs: all.runs,
    series: [...acc.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([series, x]) => ({ series, ...report(x) })),
    overall: report(all),
    bad_lines: [...badLines].sort((a, b) => a.line - b.line),
  };
}
