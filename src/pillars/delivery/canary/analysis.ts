// The canary analysis settings: our own file (analysis.yml) or Argo Rollouts AnalysisTemplates
// (one or several YAML documents, as seed 004 §2.4 ships them: success-rate, latency-check,
// error-rate). From a template we take each metric's name, successCondition, failureCondition,
// failureLimit, interval and Prometheus query; what Argo has no field for (weights, warm-up, the
// statistical test's settings) takes our defaults or the top-level keys of our own file.
import { LineCounter, isMap, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { parseDuration } from '../../../core/duration.js';
import { CiError } from '../../../core/errors.js';
import { directionOf, parseCondition, type Condition } from './condition.js';

export type Direction = 'higher-is-better' | 'lower-is-better';

export interface MetricSpec {
  name: string;
  direction: Direction;
  success: Condition | null;
  failure: Condition | null;
  /** Failed measurements tolerated before the bound counts as breached (Argo `failureLimit`). */
  failureLimit: number;
  weight: number;
  /** PromQL, with `{{ args.NAME }}` placeholders (Argo's spelling); `track` is baseline or canary. */
  query: string | null;
}

export interface AnalysisSpec {
  /** The template name(s), the `template` label of cicd_canary_analysis_result. */
  template: string;
  /** Samples in the first `warmupMs` after the canary's first sample are left out (both tracks). */
  warmupMs: number;
  minSamples: number;
  /** Expected spacing of the samples; null: taken from the samples (median spacing). */
  intervalMs: number | null;
  /** One-sided significance level of "the canary is worse". */
  alpha: number;
  /** Smallest rank-biserial effect that counts as worse (0..1). */
  minEffect: number;
  /** Smallest relative change of the median that counts as worse (0.1 = 10 %). */
  tolerance: number;
  promoteScore: number;
  rollbackScore: number;
  metrics: MetricSpec[];
}

/** Seed 000 A3 and seed 004's templates as defaults: success rate ≥ 95 %, p95 ≤ 500 ms, error rate ≤ 5 %. */
export const DEFAULT_ANALYSIS_YAML = `template: default
metrics:
  - name: success_rate
    successCondition: result[0] >= 0.95
  - name: latency_p95_ms
    successCondition: result[0] <= 500
  - name: error_rate
    successCondition: result[0] <= 0.05
`;

const DEFAULTS = {
  warmupMs: 0,
  minSamples: 5,
  alpha: 0.05,
  minEffect: 0.3,
  tolerance: 0.05,
  // Argo's default failureLimit is 0; seed 004's templates use 2, which we take as the default so
  // that one noisy interval alone never breaches a bound (issue 22: "fooled by variance").
  failureLimit: 2,
  promoteScore: 80,
  rollbackScore: 50,
};

type Obj = Record<string, unknown>;

export function parseAnalysis(src: string, file: string): AnalysisSpec {
  const lines = new LineCounter();
  const docs = parseAllDocuments(src, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(docs)) throw new CiError('E_USAGE', 'the analysis file is empty', { where: file });
  const at = (doc: Document, path: (string | number)[]) => {
    const node = doc.getIn(path, true) as Node | undefined;
    return `${file}:${node?.range ? lines.linePos(node.range[0]).line : 1}`;
  };
  for (const d of docs) {
    const err = d.errors[0];
    if (err) throw new CiError('E_USAGE', `not valid YAML: ${err.message.split('\n')[0]}`, { where: `${file}:${lines.linePos(err.pos[0]).line}` });
  }
  const used = docs.filter((d) => d.contents !== null);
  if (!used.length) throw new CiError('E_USAGE', 'the analysis file is empty', { where: file, hint: 'see `ci-intel canary judge --help` for its shape' });
  const templates: string[] = [];
  const metrics: MetricSpec[] = [];
  let top: Obj = {};
  let topDoc: Document | null = null;
  for (const doc of used) {
    if (!isMap(doc.contents)) throw new CiError('E_USAGE', 'an analysis document must be a mapping', { where: at(doc, []) });
    const o = doc.toJS() as Obj;
    const argo = o.kind === 'AnalysisTemplate' || o.kind === 'ClusterAnalysisTemplate';
    const base: (string | number)[] = argo ? ['spec', 'metrics'] : ['metrics'];
    const list = argo ? ((o.spec as Obj | undefined)?.metrics as unknown) : o.metrics;
    if (argo) templates.push(String((o.metadata as Obj | undefined)?.name ?? 'analysis'));
    else {
      top = o;
      topDoc = doc;
      if (o.template !== undefined) templates.push(String(o.template));
    }
    // Our settings document may leave the metrics to the AnalysisTemplates beside it.
    if (!argo && list === undefined && used.length > 1) continue;
    if (!Array.isArray(list) || !isSeq(doc.getIn(base, true)))
      throw new CiError('E_USAGE', `${base.join('.')} must be a list of metrics`, { where: at(doc, base.length ? base : []) });
    list.forEach((m: unknown, i) => metrics.push(metricOf(m as Obj, (p) => at(doc, [...base, i, ...p]), top)));
  }
  if (!metrics.length) throw new CiError('E_USAGE', 'the analysis declares no metrics', { where: file, hint: 'list at least one metric with a bound' });
  const names = new Set<string>();
  for (const m of metrics) {
    if (names.has(m.name)) throw new CiError('E_USAGE', `metric ${m.name} is declared twice`, { where: file, hint: 'give each metric its own name' });
    names.add(m.name);
  }
  const num = (key: string, dflt: number, min: number, max: number) => {
    const v = top[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !(v >= min && v <= max))
      throw new CiError('E_USAGE', `${key} must be a number from ${min} to ${max}`, { where: topDoc ? at(topDoc, [key]) : file });
    return v;
  };
  const dur = (key: string) => {
    const v = top[key];
    if (v === undefined) return null;
    return parseDuration(String(v), topDoc ? at(topDoc, [key]) : file);
  };
  const spec: AnalysisSpec = {
    template: templates.length ? templates.join('+') : 'default',
    warmupMs: dur('warmup') ?? DEFAULTS.warmupMs,
    minSamples: num('minSamples', DEFAULTS.minSamples, 3, 100_000),
    intervalMs: dur('interval') ?? intervalOfArgo(used),
    alpha: num('alpha', DEFAULTS.alpha, 0.0001, 0.5),
    minEffect: num('minEffect', DEFAULTS.minEffect, 0, 1),
    tolerance: num('tolerance', DEFAULTS.tolerance, 0, 10),
    promoteScore: num('promoteScore', DEFAULTS.promoteScore, 0, 100),
    rollbackScore: num('rollbackScore', DEFAULTS.rollbackScore, 0, 100),
    metrics,
  };
  if (spec.rollbackScore > spec.promoteScore)
    throw new CiError('E_USAGE', `rollbackScore ${spec.rollbackScore} is above promoteScore ${spec.promoteScore}`, { where: file });
  return spec;
}

/** The interval of Argo metrics, when they all agree (Argo measures each metric every `interval`). */
function intervalOfArgo(docs: Document[]): number | null {
  const seen = new Set<string>();
  for (const d of docs) {
    const o = d.toJS() as Obj;
    const ms = ((o.spec as Obj | undefined)?.metrics as Obj[] | undefined) ?? [];
    for (const m of ms) if (typeof m.interval === 'string') seen.add(m.interval);
  }
  return seen.size === 1 ? parseDuration([...seen][0]!, 'interval') : null;
}

function metricOf(m: Obj, where: (p: string[]) => string, top: Obj): MetricSpec {
  if (!m || typeof m !== 'object') throw new CiError('E_USAGE', 'a metric must be a mapping with a name', { where: where([]) });
  if (typeof m.name !== 'string' || !m.name) throw new CiError('E_USAGE', 'a metric needs a name', { where: where([]) });
  const cond = (key: 'successCondition' | 'failureCondition') => {
    if (m[key] === undefined) return null;
    const c = parseCondition(String(m[key]));
    if (typeof c === 'string') throw new CiError('E_USAGE', c, { where: where([key]) });
    return c;
  };
  const success = cond('successCondition');
  const failure = cond('failureCondition');
  if (!success && !failure)
    throw new CiError('E_USAGE', `metric ${m.name} has no successCondition or failureCondition`, {
      where: where([]),
      hint: 'add a bound, e.g. successCondition: result[0] >= 0.95',
    });
  const inferred = success ? directionOf(success) : failure ? flip(directionOf(failure)) : null;
  const direction = m.direction ?? inferred;
  if (direction !== 'higher-is-better' && direction !== 'lower-is-better')
    throw new CiError('E_USAGE', `metric ${m.name}: say which way is better`, {
      where: where(['direction']),
      hint: 'direction: higher-is-better or lower-is-better',
    });
  const weight = m.weight ?? 1;
  if (typeof weight !== 'number' || !(weight > 0))
    throw new CiError('E_USAGE', `metric ${m.name}: weight must be a positive number`, { where: where(['weight']) });
  const limit = m.failureLimit ?? top.failureLimit ?? DEFAULTS.failureLimit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)
    throw new CiError('E_USAGE', `metric ${m.name}: failureLimit must be a whole number ≥ 0`, { where: where(['failureLimit']) });
  const prom = ((m.provider as Obj | undefined)?.prometheus as Obj | undefined)?.query;
  const query = typeof m.query === 'string' ? m.query : typeof prom === 'string' ? prom : null;
  return { name: m.name, direction, success, failure, failureLimit: limit, weight, query: query?.trim() ?? null };
}

const flip = (d: Direction | null): Direction | null => (d === 'higher-is-better' ? 'lower-is-better' : d === 'lower-is-better' ? 'higher-is-better' : null);
