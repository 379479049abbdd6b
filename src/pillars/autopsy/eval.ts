// Evaluation (issue 4, deliverable 8; seed 000 "track precision/recall"): reads DIR/manifest.jsonl
// (format in shared/corpus/autopsy/README.md), analyzes each log and scores the category against
// the answer key — per category precision, recall, F1 and support; macro averages over the gold
// labels with support > 0; the evidence hit rate (the top cause's raw evidence line contains the
// case's `evidence` string); and redaction leaks (a planted secret, or for a multi-line secret any
// of its body lines, that survives in the redacted log or in anything printed). The same metrics
// for the rules alone, and for the model alone scored leave-one-out (it never grades a log it was
// trained on).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CiError } from '../../core/errors.js';
import type { FailureCategory } from '../../core/model/index.js';
import type { Redactor } from '../../core/redact/index.js';
import { ABSTAIN_BELOW, explain, modelDocument, redactCauses } from './analyze.js';
import { type CalibrationPoint, type PrecisionAt, precisionAt, renderSweep, showPrecision, sweep } from './calibration.js';
import { Classifier, train, type TrainingDoc } from './classify.js';
import { renderJson, renderMarkdown, renderText } from './render.js';
import { scanText } from './scan.js';
import { CATEGORIES, type Rule } from './types.js';

export interface EvalCase {
  id: string;
  log: string;
  tool: string;
  category: FailureCategory;
  evidence: string;
  file: string | null;
  line: number | null;
  secrets?: string[];
  how?: string;
  format?: string;
}

/**
 * The objects of DIR/manifest.jsonl with where each stands (`file:line`); a line that is not JSON
 * is an error naming the file and line. `hint` says what a manifest line holds.
 */
export function manifestLines(dir: string, hint: string): Array<{ o: Record<string, unknown>; where: string }> {
  const file = path.join(dir, 'manifest.jsonl');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: file,
      hint: `the folder needs a manifest.jsonl (${hint})`,
    });
  }
  const out: Array<{ o: Record<string, unknown>; where: string }> = [];
  text.split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    const where = `${file}:${i + 1}`;
    try {
      out.push({ o: JSON.parse(l) as Record<string, unknown>, where });
    } catch (e) {
      throw new CiError('E_MANIFEST_INVALID', `not JSON: ${(e as Error).message}`, { where, hint });
    }
  });
  return out;
}

/** A log path of a manifest, refused when it leaves the corpus folder. */
export function checkLogPath(p: string, where: string): void {
  if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..'))
    throw new CiError('E_PATH_TRAVERSAL', `log path ${JSON.stringify(p)} leaves the corpus folder`, { where });
}

/** Reads a manifest; each bad line is an error naming the file and line. */
export function readManifest(dir: string): EvalCase[] {
  return manifestLines(dir, 'one JSON object per log: id, log, tool, category, evidence').map(({ o, where }) => {
    const c = o as unknown as EvalCase;
    if (typeof c.id !== 'string' || typeof c.log !== 'string') throw new CiError('E_MANIFEST_INVALID', 'needs string fields id and log', { where });
    if (!(CATEGORIES as readonly string[]).includes(c.category))
      throw new CiError('E_MANIFEST_INVALID', `category ${JSON.stringify(c.category)} is not in the taxonomy`, { where, hint: CATEGORIES.join(', ') });
    if (typeof c.evidence !== 'string' || !c.evidence) throw new CiError('E_MANIFEST_INVALID', 'needs a non-empty evidence string', { where });
    checkLogPath(c.log, where);
    return c;
  });
}

export function readCaseLog(dir: string, c: EvalCase): string {
  try {
    return readFileSync(path.join(dir, c.log), 'utf8');
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read ${c.log}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: path.join(dir, c.log),
    });
  }
}

export interface Metrics {
  cases: number;
  precision: number;
  recall: number;
  f1: number;
  evidence_hit_rate: number;
  per_category: Record<string, { precision: number; recall: number; f1: number; support: number }>;
}

export interface EvalReport extends Metrics {
  secrets_planted: number;
  secrets_leaked: number;
  rule_only: Metrics;
  model_loocv: Metrics;
  /**
   * The model's category precision on its leave-one-out answers at the threshold it abstains
   * below (ABSTAIN_BELOW), and at other thresholds (issue 15, deliverable 4).
   */
  model_calibration: { threshold: number; cases: number; answered: number; precision: number; sweep: PrecisionAt[] };
  tool_accuracy: number;
  /** Cases the full pipeline got wrong (category or evidence), for review. */
  misses: Array<{ id: string; gold: string; predicted: string | null; evidence_hit: boolean; decided_by: string | null }>;
  leaks: Array<{ id: string; where: string }>;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function score(gold: FailureCategory[], predicted: Array<string | null>, evidenceHits: boolean[]): Metrics {
  const labels = [...new Set<string>([...gold, ...predicted.filter((p): p is string => !!p)])].sort();
  const per: Metrics['per_category'] = {};
  for (const l of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const p = predicted[i];
      if (p === l && g === l) tp++;
      else if (p === l) fp++;
      else if (g === l) fn++;
    });
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    per[l] = { precision: r4(precision), recall: r4(recall), f1: r4(f1), support: gold.filter((g) => g === l).length };
  }
  const withSupport = Object.values(per).filter((m) => m.support > 0);
  const mean = (k: 'precision' | 'recall' | 'f1') => (withSupport.length ? r4(withSupport.reduce((a, m) => a + m[k], 0) / withSupport.length) : 0);
  return {
    cases: gold.length,
    precision: mean('precision'),
    recall: mean('recall'),
    f1: mean('f1'),
    evidence_hit_rate: gold.length ? r4(evidenceHits.filter(Boolean).length / gold.length) : 0,
    per_category: per,
  };
}

/** The lines of a planted secret that must not survive (a PEM block's body lines, or the value). */
export function secretPieces(secret: string): string[] {
  if (!secret.includes('\n')) return [secret];
  return secret
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^-----(?:BEGIN|END) /.test(l));
}

async function redactedLog(text: string, redactor: Redactor): Promise<string> {
  let out = '';
  for await (const c of Readable.from([text]).pipe(redactor.stream())) out += String(c);
  return out;
}

/** The classifier's training document for a log (the same text it reads when no rule fires). */
export function trainingText(text: string): string {
  const { hits, facts } = scanText(text, []);
  return modelDocument(hits, facts);
}

/**
 * Evaluates `dir`. `extraTraining` corpora join the leave-one-out model's training set (the case
 * being scored is still always left out): a model trained on 36 logs for 16 categories says little.
 */
export async function evaluate(dir: string, rules: Rule[], classifier: Classifier, redactor: Redactor, extraTraining: string[] = []): Promise<EvalReport> {
  const cases = readManifest(dir);
  const gold = cases.map((c) => c.category);
  const full: Array<string | null> = [];
  const fullHit: boolean[] = [];
  const ruleOnly: Array<string | null> = [];
  const ruleHit: boolean[] = [];
  const misses: EvalReport['misses'] = [];
  const leaks: EvalReport['leaks'] = [];
  let toolOk = 0;
  let planted = 0;
  const texts: string[] = [];
  const docs: TrainingDoc[] = [];
  for (const c of cases) {
    const text = readCaseLog(dir, c);
    texts.push(text);
    const { hits, facts } = scanText(text, rules);
    const a = explain(hits, facts, { classifier, assumeFailed: true });
    const top = a.root_causes[0];
    full.push(top?.category ?? null);
    const hit = !!top && top.evidence.text.includes(c.evidence);
    fullHit.push(hit);
    if (top?.tool === c.tool) toolOk++;
    if (!top || top.category !== c.category || !hit) {
      misses.push({
        id: c.id,
        gold: c.category,
        predicted: top?.category ?? null,
        evidence_hit: hit,
        decided_by: top ? ('rule_id' in top.decided_by ? top.decided_by.rule_id : top.decided_by.model) : null,
      });
    }
    const ro = explain(hits, facts, { classifier: null, assumeFailed: true }).root_causes[0];
    ruleOnly.push(ro?.category ?? null);
    ruleHit.push(!!ro && ro.evidence.text.includes(c.evidence));
    docs.push({ id: c.id, label: c.category, text: trainingText(text) });

    // Leaks: what would be stored (the redacted log) and everything printed, in every format.
    const secrets = c.secrets ?? [];
    if (secrets.length) {
      const stored = await redactedLog(text, redactor);
      const printed = { log: c.log, failed: a.failed, root_causes: redactCauses(a.root_causes, redactor) };
      const outputs: Record<string, string> = {
        'redacted log': stored,
        text: redactor.apply(renderText(printed)),
        json: redactor.apply(renderJson(printed)),
        markdown: redactor.apply(renderMarkdown([printed], { build: c.id })),
      };
      for (const s of secrets) {
        planted++;
        const found = Object.entries(outputs).find(([, o]) => secretPieces(s).some((p) => o.includes(p)));
        if (found) leaks.push({ id: c.id, where: found[0] });
      }
    }
  }

  // The model alone, leave-one-out: trained on every other case, scored on this one.
  const loo: Array<string | null> = [];
  const looHit: boolean[] = [];
  const calib: CalibrationPoint[] = [];
  const extra: TrainingDoc[] = extraTraining.flatMap((d) =>
    readManifest(d).map((c) => ({ id: `${path.basename(path.resolve(d))}/${c.id}`, label: c.category, text: trainingText(readCaseLog(d, c)) })),
  );
  cases.forEach((c, i) => {
    const m = new Classifier(train([...docs.filter((_, j) => j !== i), ...extra]));
    const { hits, facts } = scanText(texts[i]!, []);
    // Never abstaining: the model's own answer and confidence, scored below at each threshold.
    const top = explain(hits, facts, { classifier: m, assumeFailed: true, abstainBelow: 0 }).root_causes[0];
    if (top && 'model' in top.decided_by) calib.push({ confidence: top.decided_by.confidence, correct: top.category === c.category });
    loo.push(top?.category ?? null);
    looHit.push(!!top && top.evidence.text.includes(c.evidence));
  });

  return {
    ...score(gold, full, fullHit),
    secrets_planted: planted,
    secrets_leaked: leaks.length,
    rule_only: score(gold, ruleOnly, ruleHit),
    model_loocv: score(gold, loo, looHit),
    model_calibration: { ...precisionAt(calib, ABSTAIN_BELOW), cases: calib.length, sweep: sweep(calib) },
    tool_accuracy: cases.length ? r4(toolOk / cases.length) : 0,
    misses,
    leaks,
  };
}

export function renderEvalText(r: EvalReport, dir: string): string {
  const out = [`eval ${dir}: ${r.cases} cases`, '', 'category               precision  recall     f1  support'];
  for (const [k, m] of Object.entries(r.per_category)) {
    out.push(
      `${k.padEnd(22)} ${m.precision.toFixed(3).padStart(9)} ${m.recall.toFixed(3).padStart(7)} ${m.f1.toFixed(3).padStart(6)} ${String(m.support).padStart(8)}`,
    );
  }
  const line = (name: string, m: Metrics) =>
    `${name.padEnd(12)} macro precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  F1 ${m.f1.toFixed(3)}  evidence hit rate ${m.evidence_hit_rate.toFixed(3)}`;
  out.push('', line('rules+model', r), line('rules only', r.rule_only), line('model LOOCV', r.model_loocv));
  const mc = r.model_calibration;
  out.push(
    `model LOOCV at its threshold (answers below confidence ${mc.threshold} say "unexplained"): answered ${mc.answered} of ${mc.cases}, category precision ${showPrecision(mc)}`,
    `  category precision by threshold: ${renderSweep(mc.sweep)}`,
  );
  out.push(`tool accuracy ${r.tool_accuracy.toFixed(3)}`, `secrets planted ${r.secrets_planted}, leaked ${r.secrets_leaked}`);
  for (const l of r.leaks) out.push(`LEAK ${l.id} in ${l.where}`);
  if (r.misses.length) {
    out.push('', 'misses (id gold → predicted, evidence hit, decided by):');
    for (const m of r.misses) out.push(`  ${m.id} ${m.gold} → ${m.predicted ?? 'none'} evidence=${m.evidence_hit ? 'hit' : 'miss'} ${m.decided_by ?? ''}`);
  }
  return out.join('\n') + '\n';
}
