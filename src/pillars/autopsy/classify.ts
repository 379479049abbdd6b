// The classifier (issue 4, deliverable 6: "rule-first, ML-second", seed 000 "Tightened specs"):
// TF-IDF weighted multinomial naive Bayes in plain TypeScript, over the lines of a log that look
// like errors. It decides only when no rule fires, and every answer it gives carries the model id
// and its confidence. Training has no random step (counts and logs only) and the model file is
// written with sorted keys and rounded numbers, so the same corpus gives a byte-identical file
// (a test retrains and compares with the committed model).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CiError } from '../../core/errors.js';
import type { FailureCategory } from '../../core/model/index.js';
import { CATEGORIES } from './types.js';

export const MODEL_KIND = 'tfidf-multinomial-nb';
export const DEFAULT_MODEL_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model', 'model.json');

export interface Model {
  kind: typeof MODEL_KIND;
  version: 1;
  /** Short id printed with each decision: kind + hash of the file's content. */
  id: string;
  alpha: number;
  classes: FailureCategory[];
  vocab: string[];
  idf: number[];
  log_prior: number[];
  /** log P(token | class), one row per class, columns in vocab order. */
  log_lik: number[][];
  trained_on: { documents: number; per_class: Record<string, number> };
}

export interface TrainingDoc {
  id: string;
  label: FailureCategory;
  text: string;
}

const STOP = new Set([
  'the',
  'and',
  'for',
  'with',
  'this',
  'that',
  'from',
  'was',
  'are',
  'not',
  'you',
  'your',
  'has',
  'have',
  'run',
  'see',
  'more',
  'use',
  'all',
  'its',
  'into',
  'but',
  'can',
]);

/** Lower-case word tokens (numbers, hex ids and one-letter words dropped) plus adjacent-pair bigrams. */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  for (const w of text.toLowerCase().split(/[^a-z0-9_]+/)) {
    if (w.length < 2 || w.length > 40 || /^\d+$/.test(w) || /^[0-9a-f]{8,}$/.test(w) || STOP.has(w)) continue;
    words.push(w.replace(/\d+/g, '0'));
  }
  const out = [...words];
  for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]}_${words[i]}`);
  return out;
}

function termCounts(tokens: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of tokens) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;

/** Trains on labelled documents. Deterministic: documents are taken in id order. */
export function train(docs: TrainingDoc[], opts: { alpha?: number; maxVocab?: number } = {}): Model {
  const alpha = opts.alpha ?? 0.02;
  const sorted = [...docs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const counts = sorted.map((d) => termCounts(tokenize(d.text)));
  const df = new Map<string, number>();
  for (const c of counts) for (const t of c.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const maxVocab = opts.maxVocab ?? 6000;
  const vocab = [...df.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxVocab)
    .map(([t]) => t)
    .sort();
  const index = new Map(vocab.map((t, i) => [t, i]));
  const n = sorted.length;
  const idf = vocab.map((t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
  const classes = CATEGORIES.filter((c) => sorted.some((d) => d.label === c));
  const weights = classes.map(() => new Float64Array(vocab.length));
  const perClass: Record<string, number> = {};
  sorted.forEach((d, i) => {
    const ci = classes.indexOf(d.label);
    perClass[d.label] = (perClass[d.label] ?? 0) + 1;
    const vec = tfidf(counts[i]!, index, idf);
    for (const [j, w] of vec) weights[ci]![j]! += w;
  });
  const logLik = weights.map((w) => {
    let total = 0;
    for (const x of w) total += x;
    const denom = total + alpha * vocab.length;
    return Array.from(w, (x) => round(Math.log((x + alpha) / denom)));
  });
  // A flat prior: the corpus proportions say how the corpus was sampled, not how CI fails.
  const logPrior = classes.map(() => round(-Math.log(classes.length)));
  const model: Omit<Model, 'id'> = {
    kind: MODEL_KIND,
    version: 1,
    alpha,
    classes,
    vocab,
    idf: idf.map(round),
    log_prior: logPrior,
    log_lik: logLik,
    trained_on: { documents: n, per_class: Object.fromEntries(Object.entries(perClass).sort()) },
  };
  return { ...model, id: modelId(model) } as Model;
}

function modelId(m: Omit<Model, 'id'>): string {
  // FNV-1a over the serialized parameters: a short stable id for `decided_by.model`.
  const s = JSON.stringify(m);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${MODEL_KIND}@${h.toString(16).padStart(8, '0')}`;
}

/** L2-normalized TF-IDF vector (sparse: vocab index → weight). */
function tfidf(counts: Map<string, number>, index: Map<string, number>, idf: number[]): Array<[number, number]> {
  const vec: Array<[number, number]> = [];
  let norm = 0;
  for (const [t, c] of counts) {
    const j = index.get(t);
    if (j === undefined) continue;
    const w = (1 + Math.log(c)) * idf[j]!;
    vec.push([j, w]);
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  return vec.map(([j, w]) => [j, w / norm]);
}

export interface Prediction {
  category: FailureCategory;
  confidence: number;
  /** Class scores, best first. */
  ranked: Array<{ category: FailureCategory; p: number }>;
}

/** Model state for fast repeated use. */
export class Classifier {
  private readonly index: Map<string, number>;
  constructor(readonly model: Model) {
    this.index = new Map(model.vocab.map((t, i) => [t, i]));
  }

  predict(text: string): Prediction {
    const vec = tfidf(termCounts(tokenize(text)), this.index, this.model.idf);
    // Scale: TF-IDF vectors are unit length, so scores are sharpened to give usable confidences.
    const scale = 8;
    const scores = this.model.classes.map((_, ci) => {
      let s = this.model.log_prior[ci]!;
      for (const [j, w] of vec) s += scale * w * this.model.log_lik[ci]![j]!;
      return s;
    });
    const max = Math.max(...scores);
    const exp = scores.map((s) => Math.exp(s - max));
    const z = exp.reduce((a, b) => a + b, 0);
    const ranked = this.model.classes.map((c, i) => ({ category: c, p: exp[i]! / z })).sort((a, b) => b.p - a.p);
    return { category: ranked[0]!.category, confidence: Math.round(ranked[0]!.p * 1000) / 1000, ranked };
  }

  /** How much a line speaks for `category` against the other classes (evidence choice). */
  lineScore(text: string, category: FailureCategory): number {
    const ci = this.model.classes.indexOf(category);
    if (ci < 0) return 0;
    let s = 0;
    for (const t of tokenize(text)) {
      const j = this.index.get(t);
      if (j === undefined) continue;
      let mean = 0;
      for (let k = 0; k < this.model.classes.length; k++) mean += this.model.log_lik[k]![j]!;
      mean /= this.model.classes.length;
      s += this.model.log_lik[ci]![j]! - mean;
    }
    return s;
  }
}

/** Serializes a model: stable key order, one class row per line (reviewable diffs). */
export function serializeModel(m: Model): string {
  const head = { kind: m.kind, version: m.version, id: m.id, alpha: m.alpha, classes: m.classes, trained_on: m.trained_on };
  return (
    '{\n' +
    Object.entries(head)
      .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`)
      .join('\n') +
    `\n  "vocab": ${JSON.stringify(m.vocab)},\n  "idf": ${JSON.stringify(m.idf)},\n  "log_prior": ${JSON.stringify(m.log_prior)},\n  "log_lik": [\n` +
    m.log_lik.map((r) => `    ${JSON.stringify(r)}`).join(',\n') +
    '\n  ]\n}\n'
  );
}

export function parseModel(text: string, where: string): Model {
  let m: Model;
  try {
    m = JSON.parse(text) as Model;
  } catch (e) {
    throw new CiError('E_MODEL_INVALID', `the model file is not JSON: ${(e as Error).message}`, {
      where,
      hint: 'retrain it: ci-intel autopsy train CORPUS_DIR --out FILE',
    });
  }
  const ok =
    m?.kind === MODEL_KIND &&
    Array.isArray(m.classes) &&
    Array.isArray(m.vocab) &&
    m.idf?.length === m.vocab.length &&
    m.log_lik?.length === m.classes.length &&
    m.log_lik.every((r) => r.length === m.vocab.length);
  if (!ok)
    throw new CiError('E_MODEL_INVALID', `the model file is not a ${MODEL_KIND} model or its arrays disagree`, {
      where,
      hint: 'retrain it: ci-intel autopsy train CORPUS_DIR --out FILE',
    });
  return m;
}

let shipped: Classifier | undefined;
/** The committed model (loaded once per process). */
export function shippedClassifier(): Classifier {
  shipped ??= new Classifier(parseModel(readFileSync(DEFAULT_MODEL_PATH, 'utf8'), DEFAULT_MODEL_PATH));
  return shipped;
}

export function loadClassifier(file: string): Classifier {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read model ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: file });
  }
  return new Classifier(parseModel(text, file));
}
