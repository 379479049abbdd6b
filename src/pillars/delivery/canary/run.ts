// `canary judge` as a function of its options (the command and its tests share it): reads the
// analysis and the samples (files or Prometheus), judges, and returns the decision with its inputs.
import { createHash } from 'node:crypto';
import { sinceInstant, parseDuration } from '../../../core/duration.js';
import { CiError } from '../../../core/errors.js';
import { readInputText } from '../../../core/input.js';
import { DEFAULT_ANALYSIS_YAML, parseAnalysis, type AnalysisSpec } from './analysis.js';
import { decisionId, judge, type Decision } from './judge.js';
import { readPrometheus } from './prometheus-source.js';
import { parseSamples, type Track } from './samples.js';

export interface JudgeOptions {
  baseline?: string;
  canary?: string;
  config?: string;
  prometheus?: string;
  queryFile?: string;
  start?: string;
  end?: string;
  step?: string;
  arg?: string[];
}

export interface Judged {
  id: string;
  decision: Decision;
  inputs: Record<string, unknown>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function argsOf(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i <= 0) throw new CiError('E_USAGE', `--arg ${JSON.stringify(a)} is not NAME=VALUE`, { where: '--arg', hint: 'e.g. --arg service-name=checkout' });
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/** The default analysis judges only the metrics the samples have (a file of p95 alone is fine). */
function defaultsFor(tracks: Track[]): AnalysisSpec {
  const spec = parseAnalysis(DEFAULT_ANALYSIS_YAML, 'default analysis');
  const metrics = spec.metrics.filter((m) => tracks.some((t) => t.has(m.name)));
  if (!metrics.length)
    throw new CiError('E_USAGE', 'the samples have none of the default metrics (success_rate, latency_p95_ms, error_rate)', {
      where: '--baseline',
      hint: 'name the metrics and their bounds in an analysis file: --config analysis.yml',
    });
  return { ...spec, metrics };
}

export async function runJudge(o: JudgeOptions, now: Date): Promise<Judged> {
  if (!o.baseline || !o.canary) throw new CiError('E_USAGE', '--baseline and --canary are required', { where: o.baseline ? '--canary' : '--baseline' });
  if (o.prometheus) {
    const file = o.queryFile ?? o.config;
    if (!file) throw new CiError('E_USAGE', '--prometheus needs --query-file: the analysis with a query per metric', { where: '--query-file' });
    const text = readInputText(file, '--query-file');
    const spec = parseAnalysis(text, file);
    const end = o.end ? sinceInstant(o.end, now, '--end') : now;
    const start = sinceInstant(o.start ?? '30m', end, '--start');
    if (!(start < end)) throw new CiError('E_USAGE', '--start must be before --end', { where: '--start' });
    const stepS = o.step ? parseDuration(o.step, '--step')! / 1000 : (spec.intervalMs ?? 60_000) / 1000;
    const r = await readPrometheus(o.prometheus, spec, { baseline: o.baseline, canary: o.canary }, argsOf(o.arg), { start, end, stepS }, file);
    const decision = judge(spec, r);
    const inputs = {
      analysis: { file, sha256: sha256(text) },
      prometheus: { url: o.prometheus, start: start.toISOString(), end: end.toISOString(), step_s: stepS, queries: r.queries },
      tracks: { baseline: o.baseline, canary: o.canary },
    };
    return { id: decisionId(decision, { analysis: sha256(text), queries: r.queries.map((q) => [q.query, q.sha256]) }), decision, inputs };
  }
  const bText = readInputText(o.baseline, '--baseline');
  const cText = readInputText(o.canary, '--canary');
  const baseline = parseSamples(bText, o.baseline);
  const canary = parseSamples(cText, o.canary);
  const aText = o.config ? readInputText(o.config, '--config') : DEFAULT_ANALYSIS_YAML;
  const spec = o.config ? parseAnalysis(aText, o.config) : defaultsFor([baseline, canary]);
  const decision = judge(spec, { baseline, canary });
  const inputs = {
    analysis: { file: o.config ?? null, sha256: sha256(aText) },
    baseline: { file: o.baseline, sha256: sha256(bText) },
    canary: { file: o.canary, sha256: sha256(cText) },
  };
  return { id: decisionId(decision, [sha256(aText), sha256(bText), sha256(cText)]), decision, inputs };
}
