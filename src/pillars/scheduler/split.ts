// Test sharding by past timings (issue 19 item 2; the anchors: CircleCI `tests split
// --split-by=timings`, Knapsack Pro). Pure: parsed report cases in, a plan out.
//
// What the anchors' users complain about, and what this does instead:
//   - new tests missing from the timings are dropped or run last → every test of the list is in
//     exactly one shard; a test without history gets a predicted time (the median of its siblings
//     in the same file/suite, else the median of all), never 0;
//   - shards computed from different timing snapshots miss or duplicate tests → the plan is a pure
//     function of (test list, timing snapshot, N, unit) and carries a hash of those inputs, so every
//     shard computes the same plan and can check it did (the hash is printed);
//   - retries re-shard → same inputs, same plan; `--plan FILE` reuses a saved plan verbatim;
//   - silent fallback to alphabetical → the plan says how many tests had history and how many were
//     predicted.
// Per-test times are noisy from run to run: the estimate is the mean over ALL the runs given (each
// run's time of a test is the sum of its executions in that run), not the last run alone.
import { createHash } from 'node:crypto';
import type { TestCase } from '../../core/model/index.js';

export type SplitUnit = 'file' | 'suite' | 'case';
export const SPLIT_UNITS: readonly SplitUnit[] = ['file', 'suite', 'case'];

/** One past run's cases (a report). */
export type TimingRun = readonly Pick<TestCase, 'id' | 'suite' | 'classname' | 'name' | 'duration_ms' | 'file'>[];

/** Canonical form of a test id so ids of different tools meet: pytest node ids, paths, dotted class names. */
export function canonical(id: string): string {
  let s = id.trim();
  // go -run regexes: ^TestX$
  if (s.startsWith('^')) s = s.slice(1);
  if (s.endsWith('$')) s = s.slice(0, -1);
  if (s.startsWith('./')) s = s.slice(2);
  // One pass over the separators (this runs for every test of every report: 50k+ per split).
  if (s.includes('.py')) s = s.replace(/\.py(?=::|$)/, '');
  return s.replace(SEPARATORS, '.');
}

const SEPARATORS = /::|\/|\\|#| > /g;

/** The file a case belongs to: its file attribute, else a classname that looks like a path. */
function fileOf(c: TimingRun[number]): string | null {
  if (c.file) return c.file;
  if (c.classname && /[/\\]|\.(ts|tsx|js|jsx|mjs|cjs|py|rb|go|rs|java|kt|cs|php)$/.test(c.classname)) return c.classname;
  return null;
}

function suiteOf(c: TimingRun[number]): string {
  return c.classname ?? c.suite ?? fileOf(c) ?? c.id;
}

/** The natural id of a case's unit (what `--index` prints when no --tests list is given). */
export function unitOf(c: TimingRun[number], by: SplitUnit): string {
  if (by === 'file') return fileOf(c) ?? suiteOf(c);
  if (by === 'suite') return suiteOf(c);
  return c.id;
}

/** The group whose median predicts a unit without history: its file or suite (cases), its folder or package (files, suites). */
function parentOf(unit: string, by: SplitUnit): string {
  if (by === 'case') {
    const i = unit.lastIndexOf('::');
    if (i > 0) return unit.slice(0, i);
  }
  const slash = Math.max(unit.lastIndexOf('/'), unit.lastIndexOf('\\'));
  if (slash >= 0) return unit.slice(0, slash);
  const dot = unit.lastIndexOf('.');
  return dot > 0 ? unit.slice(0, dot) : '';
}

function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  // A typed array sorts numbers natively (no comparator calls): 50k estimates in a few ms.
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Time estimates from all the runs, under every key a test list may use: the file, the class or
 * suite, the case (`class.name`, `file::name`, its id) and the bare name — each key's estimate is
 * the mean of its per-run totals over the runs it appeared in. Keys are canonical (see canonical()).
 */
export interface TimingSnapshot {
  /** canonical key → estimated ms. */
  estimates: Map<string, number>;
  runs: number;
}

/** canonical() with a memo: files, classes and names repeat across thousands of cases. */
function memoCanonical(): (id: string) => string {
  const memo = new Map<string, string>();
  return (id) => {
    let c = memo.get(id);
    if (c === undefined) memo.set(id, (c = canonical(id)));
    return c;
  };
}

/** The canonical keys one case is known by (raw duplicates skipped before canonicalizing). */
function keysOf(c: TimingRun[number], short: (id: string) => string): string[] {
  const f = fileOf(c);
  const out: string[] = [];
  const add = (k: string) => {
    if (!out.includes(k)) out.push(k);
  };
  // long, unique strings: canonicalized once each
  add(canonical(c.id));
  if (c.classname) add(canonical(`${c.classname}.${c.name}`));
  if (f && `${f}::${c.name}` !== c.id) add(canonical(`${f}::${c.name}`));
  // short strings shared by many cases: memoized
  for (const k of [c.name, f, c.classname, c.suite]) if (k) add(short(k));
  // a dotted class name without a file (pytest, JUnit from Java): its module and packages too, so a
  // listed file (tests/test_x.py → tests.test_x) or package gets the sum of its classes
  if (!f && c.classname && c.classname.includes('.')) {
    const parts = short(c.classname).split('.');
    for (let i = parts.length - 1; i > 0; i--) add(parts.slice(0, i).join('.'));
  }
  return out;
}

/**
 * What a case reported at 0 ms stands for: half the report's resolution (its smallest positive
 * time: 1 ms in the many reports that round to whole milliseconds). A test that ran took some time;
 * at 0 it would add nothing to a shard's load, and LPT would put every such test on the same shard
 * (measured on es5-shim's jasmine reports, where 350 of 400 cases report 0: the slowest of 8 shards
 * was 2.5× the bound).
 */
function belowResolution(run: TimingRun): number {
  let res = Infinity;
  for (const c of run) {
    const ms = c.duration_ms ?? 0;
    if (ms > 0 && ms < res) res = ms;
  }
  return Number.isFinite(res) ? res / 2 : 0.5;
}

/** Runs after which a run's weight in the per-test mean halves. */
export const HALF_LIFE = 8;

export function snapshotOf(runs: readonly TimingRun[]): TimingSnapshot {
  const short = memoCanonical();
  // Per run and key, the total time; the run's own speed factor is taken out before averaging: a
  // run on a busy machine makes every test slower by about the same factor (measured on this
  // repository's history, docs/notes/issue-19.md), and LPT needs the tests' relative sizes.
  const perRuns: Map<string, number>[] = runs.map((run) => {
    const perRun = new Map<string, number>();
    const zero = belowResolution(run);
    for (const c of run) {
      const ms = Math.max(0, c.duration_ms ?? 0) || zero;
      for (const k of keysOf(c, short)) perRun.set(k, (perRun.get(k) ?? 0) + ms);
    }
    return perRun;
  });
  if (runs.length <= 1) return { estimates: perRuns[0] ?? new Map(), runs: runs.length };
  const caseKeys = runs.map((run) => new Set(run.map((c) => canonical(c.id))));
  // Every run counts; later runs weigh more (half-life HALF_LIFE runs), as tests change with the code.
  const weight = perRuns.map((_, i) => Math.pow(0.5, (perRuns.length - 1 - i) / HALF_LIFE));
  const mean = (scale: number[]) => {
    const sum = new Map<string, number>();
    const seen = new Map<string, number>();
    perRuns.forEach((perRun, i) => {
      const w = weight[i]!;
      for (const [k, ms] of perRun) {
        sum.set(k, (sum.get(k) ?? 0) + (w * ms) / scale[i]!);
        seen.set(k, (seen.get(k) ?? 0) + w);
      }
    });
    const m = new Map<string, number>();
    for (const [k, v] of sum) m.set(k, v / seen.get(k)!);
    return m;
  };
  const raw = mean(runs.map(() => 1));
  // A run's speed factor: the median ratio of its tests' times to their plain means (cases with time).
  const scale = perRuns.map((perRun, i) => {
    const ratios: number[] = [];
    for (const k of caseKeys[i]!) {
      const m = raw.get(k);
      const t = perRun.get(k);
      if (m && m > 0 && t !== undefined) ratios.push(t / m);
    }
    const f = ratios.length ? median(ratios) : 1;
    return f > 0 && Number.isFinite(f) ? f : 1;
  });
  return { estimates: mean(scale), runs: runs.length };
}

export interface PlannedTest {
  /** The id as listed (printed by --index as is). */
  id: string;
  estimate_ms: number;
  /** history: matched a unit with timings; sibling: median of its file/suite; median: median of all; none: no timings at all. */
  source: 'history' | 'sibling' | 'median' | 'none';
}

export interface Shard {
  index: number;
  estimate_ms: number;
  tests: string[];
}

export interface SplitPlan {
  /** sha256 of (unit, N, sorted test list, timing snapshot): equal on every shard that saw the same inputs. */
  plan_hash: string;
  shards_count: number;
  by: SplitUnit;
  tests: number;
  with_history: number;
  predicted: number;
  timing_runs: number;
  shards: Shard[];
}

/** Estimates for a list of test ids against a snapshot (matching across id styles). */
export function estimateTests(ids: readonly string[], snap: TimingSnapshot, by: SplitUnit): PlannedTest[] {
  const known: { id: string; ms: number | null; parent: string }[] = ids.map((id) => ({
    id,
    ms: snap.estimates.get(canonical(id)) ?? null,
    parent: parentOf(id, by),
  }));
  const byParent = new Map<string, number[]>();
  const all: number[] = [];
  for (const k of known) {
    if (k.ms === null) continue;
    all.push(k.ms);
    let a = byParent.get(k.parent);
    if (!a) byParent.set(k.parent, (a = []));
    a.push(k.ms);
  }
  // Only needed when a test has neither history nor siblings with history: computed then, once.
  let globalMedian: number | undefined;
  const medians = new Map<string, number>();
  return known.map((k) => {
    if (k.ms !== null) return { id: k.id, estimate_ms: k.ms, source: 'history' };
    const sib = byParent.get(k.parent);
    if (sib?.length) {
      let m = medians.get(k.parent);
      if (m === undefined) medians.set(k.parent, (m = median(sib)));
      // never 0: history estimates are positive (snapshotOf counts a reported 0 as half the resolution)
      return { id: k.id, estimate_ms: m, source: 'sibling' };
    }
    globalMedian ??= all.length ? median(all) : NaN;
    if (Number.isFinite(globalMedian)) return { id: k.id, estimate_ms: globalMedian, source: 'median' };
    return { id: k.id, estimate_ms: 1, source: 'none' };
  });
}

/** Sorted by id (code-unit order, as `<` compares), for the hash and the shards' printed order. */
function byId(tests: readonly PlannedTest[]): PlannedTest[] {
  return [...tests].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Longest-processing-time first: biggest estimate first (ties by id), each to the least loaded shard (ties: lowest index). */
export function lpt(tests: readonly PlannedTest[], n: number, sortedById = false): Shard[] {
  // Stable sort on the estimate alone over the id order: ties stay in id order.
  const ordered = sortedById ? tests : byId(tests);
  const est = new Float64Array(ordered.length);
  for (let i = 0; i < ordered.length; i++) est[i] = ordered[i]!.estimate_ms;
  const order = byEstimateDesc(est);
  const shards: Shard[] = Array.from({ length: n }, (_, index) => ({ index, estimate_ms: 0, tests: [] }));
  const members: number[][] = shards.map(() => []);
  // A binary heap on (load, index) keeps 50k tests × many shards at O(n log N).
  const heap = shards.map((s) => s.index);
  const less = (a: number, b: number) => shards[a]!.estimate_ms < shards[b]!.estimate_ms || (shards[a]!.estimate_ms === shards[b]!.estimate_ms && a < b);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const i of order) {
    const s = shards[heap[0]!]!;
    members[s.index]!.push(i);
    s.estimate_ms += est[i]!;
    down(0);
  }
  // Each shard's tests in id order: its members' ranks sorted as numbers, not strings.
  for (const s of shards) s.tests = Array.from(Uint32Array.from(members[s.index]!).sort(), (i) => ordered[i]!.id);
  return shards;
}

/**
 * Positions 0..n-1 ordered by estimate, biggest first, ties in position order — what a stable sort
 * with a comparator gives, without 50k × log 50k comparator calls: the estimates are sorted
 * natively (a typed array), then each position, taken in order, goes to the next free slot of its
 * value's run in that sorted array (found by binary search).
 */
function byEstimateDesc(est: Float64Array): Uint32Array {
  const n = est.length;
  // Negated so that an ascending native sort is biggest first; 0 - x also turns -0 into +0, which
  // the sort would otherwise place apart from +0.
  const neg = new Float64Array(n);
  for (let i = 0; i < n; i++) neg[i] = Number.isNaN(est[i]!) ? 0 : 0 - est[i]!;
  const keys = neg.slice().sort();
  const filled = new Uint32Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = neg[i]!;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    order[lo + filled[lo]!++] = i;
  }
  return order;
}

/** The plan's key: the inputs that decide it, hashed (order-independent in the list). */
export function planHash(tests: readonly PlannedTest[], n: number, by: SplitUnit, sortedById = false): string {
  const lines = (sortedById ? tests : byId(tests)).map((t) => `${t.id}\t${Math.round(t.estimate_ms * 1000)}\n`);
  // One update of the whole text: 50k small updates cost more than the hashing.
  return createHash('sha256')
    .update(`v1\n${by}\n${n}\n${lines.join('')}`)
    .digest('hex')
    .slice(0, 16);
}

/** Splits the listed tests (deduplicated) into n shards by the snapshot's timings. */
export function splitTests(ids: readonly string[], snap: TimingSnapshot, n: number, by: SplitUnit): SplitPlan {
  const unique = [...new Set(ids.map((s) => s.trim()).filter(Boolean))].sort();
  const planned = estimateTests(unique, snap, by);
  return {
    plan_hash: planHash(planned, n, by, true),
    shards_count: n,
    by,
    tests: planned.length,
    with_history: planned.filter((t) => t.source === 'history').length,
    predicted: planned.filter((t) => t.source !== 'history').length,
    timing_runs: snap.runs,
    shards: lpt(planned, n, true),
  };
}

/** The units of a run (the default test list: the latest report's), sorted. */
export function unitsOf(run: TimingRun, by: SplitUnit): string[] {
  return [...new Set(run.map((c) => unitOf(c, by)))].sort();
}

/** Round robin over the sorted list: the peer the bench compares with. */
export function roundRobin(ids: readonly string[], n: number): string[][] {
  const out: string[][] = Array.from({ length: n }, () => []);
  [...ids].sort().forEach((id, i) => out[i % n]!.push(id));
  return out;
}

/**
 * The sharding quality of the "done when": the slowest shard, measured with the actual
 * times, over max(longest unit, total / N) — 1.0 is the best any split can do.
 */
export function shardQuality(shards: readonly { tests: readonly string[] }[], actual: ReadonlyMap<string, number>): number {
  const loads = shards.map((s) => s.tests.reduce((a, t) => a + (actual.get(t) ?? 0), 0));
  const total = loads.reduce((a, b) => a + b, 0);
  const longest = Math.max(0, ...actual.values());
  const bound = Math.max(longest, total / shards.length);
  return bound > 0 ? Math.max(...loads) / bound : 1;
}

/** Actual per-unit times of one run. */
export function actualTimes(run: TimingRun, by: SplitUnit): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of run) {
    const u = unitOf(c, by);
    m.set(u, (m.get(u) ?? 0) + Math.max(0, c.duration_ms ?? 0));
  }
  return m;
}
