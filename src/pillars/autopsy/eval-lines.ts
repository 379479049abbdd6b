// Evaluation on logs labelled by line ranges (issue 15, deliverable 6): the LogChunks manifest
// format (`path`, `language`, `ranges` of 1-based raw line numbers, logs optionally gzipped).
// Scores where the evidence line falls — hit@1 (the first cause's line within a range, ±slack),
// hit@3 (any of the first three), detect (the log is called failed with a cause) — per language,
// next to the naive baselines the issue names: the last and the first line matching
// /error|fail|exception/i. No category is scored: the labels mark the passage, not a category.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CiError } from '../../core/errors.js';
import { ABSTAIN_BELOW, UNEXPLAINED_ID, explain } from './analyze.js';
import { type PrecisionAt, precisionAt, renderSweep, showPrecision, sweep } from './calibration.js';
import type { Classifier } from './classify.js';
import { checkLogPath, manifestLines } from './eval.js';
import { scanText } from './scan.js';
import type { Rule } from './types.js';

export interface LineCase {
  path: string;
  language: string;
  repo: string;
  ranges: Array<[number, number]>;
}

/** True when a manifest line is of the ranges format (has `ranges` and `path`). */
export function isLineManifest(dir: string): boolean {
  try {
    const first = readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8').split('\n', 1)[0] ?? '';
    const o = JSON.parse(first) as Record<string, unknown>;
    return Array.isArray(o.ranges) && typeof o.path === 'string';
  } catch {
    return false;
  }
}

export function readLineManifest(dir: string): LineCase[] {
  const hint = 'one JSON object per log: {"path": "...", "language": "...", "ranges": [[12, 14]]}';
  return manifestLines(dir, hint).map(({ o, where }) => {
    if (typeof o.path !== 'string' || !Array.isArray(o.ranges))
      throw new CiError('E_MANIFEST_INVALID', 'needs a string path and ranges [[first, last], ...]', { where, hint });
    checkLogPath(o.path, where);
    return {
      path: o.path,
      language: typeof o.language === 'string' ? o.language : '?',
      repo: typeof o.repo === 'string' ? o.repo : '?',
      ranges: o.ranges as Array<[number, number]>,
    };
  });
}

/** The log of a case: `logs/<path>` or `logs/<path>.gz` (or the path itself), decompressed. */
export function readLineCaseLog(dir: string, c: LineCase): string {
  const tries = [path.join(dir, 'logs', c.path + '.gz'), path.join(dir, 'logs', c.path), path.join(dir, c.path + '.gz'), path.join(dir, c.path)];
  for (const f of tries) {
    try {
      const b = readFileSync(f);
      return (f.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
    } catch {
      // the next place
    }
  }
  throw new CiError('E_INPUT_UNREADABLE', `cannot read the log ${c.path} (nor ${c.path}.gz)`, {
    where: path.join(dir, 'logs'),
    hint: 'logs live in DIR/logs/<path>, plain or gzipped',
  });
}

const inRanges = (line: number | undefined, ranges: Array<[number, number]>, slack: number) =>
  line !== undefined && ranges.some(([a, b]) => line >= a - slack && line <= b + slack);

const NAIVE = /error|fail|exception/i;

/** The naive baselines: the last and the first line matching /error|fail|exception/i (1-based). */
export function naiveLines(text: string): { last: number | undefined; first: number | undefined } {
  const lines = text.split('\n');
  let first: number | undefined;
  let last: number | undefined;
  lines.forEach((l, i) => {
    if (!NAIVE.test(l)) return;
    first ??= i + 1;
    last = i + 1;
  });
  return { last, first };
}

export interface LineScores {
  cases: number;
  hit1: number;
  hit3: number;
  strict1: number;
  detect: number;
  naive_last: number;
  naive_first: number;
  /** Share of top causes the classifier chose, and its hit@1 there. */
  model_share: number;
  model_hit1: number;
}

/**
 * The classifier's calibration (issue 15, deliverable 4): on the logs where it would name the top
 * cause, its hit@1 (precision) at or above the threshold, and what abstaining below it gives up.
 */
export interface Abstention {
  threshold: number;
  /** Logs where the classifier would name the top cause if it never abstained. */
  model_decided: number;
  /** Of those, answered (confidence >= threshold) and the share of them whose line is right. */
  answered: number;
  precision: number;
  /** Abstained (below threshold): "unexplained — see line N"; how often N itself falls on the label, and how often the classifier's line would have. */
  abstained: number;
  abstained_see_line_hit: number;
  abstained_model_would_hit: number;
  /** Precision and answered share at other thresholds, for choosing one. */
  sweep: PrecisionAt[];
}

export interface LineEvalReport extends LineScores {
  slack: number;
  abstention: Abstention;
  per_language: Record<string, LineScores>;
  misses: Array<{ path: string; ranges: Array<[number, number]>; predicted: number | null; decided_by: string | null }>;
}

interface Row {
  language: string;
  hit1: boolean;
  hit3: boolean;
  strict1: boolean;
  detect: boolean;
  naiveLast: boolean;
  naiveFirst: boolean;
  model: boolean;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

function aggregate(rows: Row[]): LineScores {
  const n = rows.length;
  const share = (f: (r: Row) => boolean, of: Row[] = rows) => (of.length ? r4(of.filter(f).length / of.length) : 0);
  const byModel = rows.filter((r) => r.model);
  return {
    cases: n,
    hit1: share((r) => r.hit1),
    hit3: share((r) => r.hit3),
    strict1: share((r) => r.strict1),
    detect: share((r) => r.detect),
    naive_last: share((r) => r.naiveLast),
    naive_first: share((r) => r.naiveFirst),
    model_share: share((r) => r.model),
    model_hit1: share((r) => r.hit1, byModel),
  };
}

/** Scores the analyzer on a ranges-labelled corpus; every case is a failed job (assumeFailed). */
export function evaluateLines(dir: string, rules: Rule[], classifier: Classifier | null, slack = 2, abstainBelow = ABSTAIN_BELOW): LineEvalReport {
  const rows: Row[] = [];
  const calib: Calib[] = [];
  const misses: LineEvalReport['misses'] = [];
  for (const c of readLineManifest(dir)) {
    const text = readLineCaseLog(dir, c);
    const { hits, facts } = scanText(text, rules);
    const a = explain(hits, facts, { classifier, assumeFailed: true, abstainBelow });
    const lines = a.root_causes.map((rc) => rc.evidence.line);
    const top = a.root_causes[0];
    // The classifier's own answer (never abstaining), for its precision at each threshold.
    const raw = explain(hits, facts, { classifier, assumeFailed: true, abstainBelow: 0 }).root_causes[0];
    if (raw && 'model' in raw.decided_by) {
      calib.push({
        confidence: raw.decided_by.confidence,
        hit: inRanges(raw.evidence.line, c.ranges, slack),
        abstained: !!top && 'rule_id' in top.decided_by && top.decided_by.rule_id === UNEXPLAINED_ID,
        seeLineHit: inRanges(lines[0], c.ranges, slack),
      });
    }
    const naive = naiveLines(text);
    const row: Row = {
      language: c.language,
      hit1: inRanges(lines[0], c.ranges, slack),
      hit3: lines.slice(0, 3).some((l) => inRanges(l, c.ranges, slack)),
      strict1: inRanges(lines[0], c.ranges, 0),
      detect: a.failed && a.root_causes.length > 0,
      naiveLast: inRanges(naive.last, c.ranges, slack),
      naiveFirst: inRanges(naive.first, c.ranges, slack),
      model: !!top && 'model' in top.decided_by,
    };
    rows.push(row);
    if (!row.hit1) {
      misses.push({
        path: c.path,
        ranges: c.ranges,
        predicted: lines[0] ?? null,
        decided_by: top ? ('rule_id' in top.decided_by ? top.decided_by.rule_id : top.decided_by.model) : null,
      });
    }
  }
  const per: Record<string, LineScores> = {};
  for (const lang of [...new Set(rows.map((r) => r.language))].sort()) per[lang] = aggregate(rows.filter((r) => r.language === lang));
  return { ...aggregate(rows), slack, abstention: calibrate(calib, abstainBelow), per_language: per, misses };
}

interface Calib {
  confidence: number;
  hit: boolean;
  abstained: boolean;
  seeLineHit: boolean;
}

function calibrate(calib: Calib[], threshold: number): Abstention {
  const points = calib.map((c) => ({ confidence: c.confidence, correct: c.hit }));
  const abstained = calib.filter((c) => c.abstained);
  const here = precisionAt(points, threshold);
  return {
    threshold,
    model_decided: calib.length,
    answered: here.answered,
    precision: here.precision,
    abstained: abstained.length,
    abstained_see_line_hit: abstained.filter((c) => c.seeLineHit).length,
    abstained_model_would_hit: abstained.filter((c) => c.hit).length,
    sweep: sweep(points),
  };
}

const f3 = (x: number) => x.toFixed(3);

export function renderLineEvalText(r: LineEvalReport, dir: string, showMisses = false): string {
  const head = `${'language'.padEnd(14)} ${'logs'.padStart(5)} ${'hit@1'.padStart(6)} ${'hit@3'.padStart(6)} ${'detect'.padStart(6)} ${'naive-last'.padStart(10)} ${'naive-first'.padStart(11)}`;
  const row = (name: string, s: LineScores) =>
    `${name.padEnd(14)} ${String(s.cases).padStart(5)} ${f3(s.hit1).padStart(6)} ${f3(s.hit3).padStart(6)} ${f3(s.detect).padStart(6)} ${f3(s.naive_last).padStart(10)} ${f3(s.naive_first).padStart(11)}`;
  const out = [`eval ${dir}: ${r.cases} logs, evidence line within ±${r.slack} lines of a labelled range`, '', head];
  for (const [k, s] of Object.entries(r.per_language)) out.push(row(k, s));
  out.push(row('all', r), '');
  out.push(`strict hit@1 (±0) ${f3(r.strict1)}; classifier chose ${f3(r.model_share)} of top causes, hit@1 there ${f3(r.model_hit1)}`);
  const ab = r.abstention;
  out.push(
    `classifier abstains below confidence ${ab.threshold}: of ${ab.model_decided} logs it would decide, answered ${ab.answered} with precision ${showPrecision(ab)}; ` +
      `abstained on ${ab.abstained} ("unexplained — see line N": N on the label in ${ab.abstained_see_line_hit}, the classifier's line would have been in ${ab.abstained_model_would_hit})`,
    `  line precision by threshold: ${renderSweep(ab.sweep)}`,
  );
  if (showMisses && r.misses.length) {
    out.push('', 'misses (log: labelled ranges → first cause line, decided by):');
    for (const m of r.misses) out.push(`  ${m.path}: ${JSON.stringify(m.ranges)} → ${m.predicted ?? 'none'} ${m.decided_by ?? ''}`);
  }
  return out.join('\n') + '\n';
}
