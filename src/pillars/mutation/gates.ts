// `ci-intel gate resilience --min 0.75 FILE` — seed 000 "Gate implementations: Gate on resilience"
// as one command. FILE is a mutation report (any supported format) or pipeline_run NDJSON; the score
// is always recomputed by the dictionary formula (the seed's example record declares 0.9 where its
// own dictionary gives 0.931: the dictionary wins). Resilience is a fraction 0–1 (DESIGN.md gates).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CiError } from '../../core/errors.js';
import type { GateDef, GateResult } from '../../core/registry.js';
import { examples, numberOption } from '../../core/cli.js';
import { mutationConfig } from './config.js';
import { MAX_REPORT_BYTES, parseFormat, readReport } from './reports/index.js';
import { isObject } from './reports/json.js';
import { countStatuses, resilienceOf, resilienceScore } from './score.js';
import { applyEquivalence, loadSuppressions } from './suppressions.js';

interface RecordScore {
  line: number;
  run_id: string | null;
  score: number | null;
  declared: number | null;
}

/** Looks like pipeline_run NDJSON (rather than a report): its first record names the schema. */
export function isPipelineRunNdjson(text: string): boolean {
  const first = text.trimStart().split('\n', 1)[0] ?? '';
  return /^\{.*"schema"\s*:\s*"pipeline_run\.v1\.\d"/.test(first);
}

const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Every record's resilience, recomputed from its counts; mutants_total 0 is no data (null). */
export function scoresFromNdjson(text: string, file: string): RecordScore[] {
  const out: RecordScore[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new CiError('E_JSON_MALFORMED', 'not valid JSON', { where: `${file}:${i + 1}`, hint: 'check the NDJSON with `ci-intel validate`' });
    }
    const res = isObject(rec) && isObject(rec.tests) ? rec.tests.resilience : undefined;
    if (!isObject(res))
      throw new CiError('E_CONTRACT_INVALID', 'no tests.resilience object', {
        where: `${file}:${i + 1}: /tests/resilience`,
        hint: 'pipeline_run v1.2 requires it (zeros mean no data)',
      });
    for (const k of ['mutants_total', 'killed', 'equiv', 'timeout'] as const) {
      if (!count(res[k])) throw new CiError('E_CONTRACT_INVALID', `${k} must be a non-negative integer`, { where: `${file}:${i + 1}: /tests/resilience/${k}` });
    }
    out.push({
      line: i + 1,
      run_id: isObject(rec) && typeof rec.run_id === 'string' ? rec.run_id : null,
      score: resilienceScore(res.killed as number, res.mutants_total as number, res.equiv as number),
      declared: typeof res.score === 'number' ? res.score : null,
    });
  });
  return out;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

export const resilienceGate: GateDef = {
  name: 'resilience',
  description: 'Fail when the resilience score (killed / max(1, mutants − equivalent), 0–1) is below --min',
  configure(cmd: Command) {
    examples(
      cmd
        .argument('<file>', 'a mutation report (StrykerJS JSON, PIT XML, ...) or pipeline_run NDJSON')
        .option('--min <fraction>', 'minimum resilience 0–1 (default: mutation.thresholds.scoreFail, 0.6)')
        .option('--format <format>', 'report format (default: detected)', 'auto')
        .option('--suppressions <file>', 'equivalent-mutant marks for a report')
        .option('--config <file>', 'ci-intel.yml to read'),
      'ci-intel gate resilience --min 0.75 reports/mutation/mutation.json',
      'ci-intel gate resilience --min 0.75 artifacts/pipeline_run.ndjson',
    );
  },
  async run(args, opts, ctx): Promise<GateResult> {
    const file = args[0];
    if (!file) throw new CiError('E_USAGE', 'gate resilience needs a FILE', { hint: 'ci-intel gate resilience --min 0.75 reports/mutation/mutation.json' });
    const config = mutationConfig(ctx.config({ config: opts.config }));
    const min = numberOption('--min', opts.min, { min: 0, max: 1 }) ?? config.thresholds.score_fail;
    let head = '';
    try {
      const fd = readFileSync(file, { encoding: 'utf8', flag: 'r' });
      if (fd.length > MAX_REPORT_BYTES) throw new Error('too large');
      head = fd;
    } catch {
      // A folder (mutmut mutants/, mutants.out/) or unreadable: readReport says which.
    }
    if (head && isPipelineRunNdjson(head)) {
      const recs = scoresFromNdjson(head, file);
      const scored = recs.filter((r) => r.score !== null);
      if (scored.length === 0)
        return {
          pass: false,
          value: null,
          min,
          reason: `no mutation data in ${recs.length} record(s) (mutants_total 0 is no data, not a score)`,
          fields: { records: recs.length },
        };
      const worst = scored.reduce((a, b) => (b.score! < a.score! ? b : a));
      const fields: Record<string, string | number> = { records: recs.length };
      if (worst.declared !== null && Math.abs(worst.declared - worst.score!) > 5e-4) fields.declared = r4(worst.declared);
      if (scored.length < recs.length) fields.no_data = recs.length - scored.length;
      const pass = worst.score! >= min;
      return {
        pass,
        value: worst.score,
        min,
        reason: pass
          ? `resilience ${r4(worst.score!)} >= ${min}`
          : `resilience ${r4(worst.score!)} < ${min} (${file}:${worst.line}${worst.run_id ? ` run ${worst.run_id}` : ''})`,
        fields,
      };
    }
    const report = readReport(file, { format: parseFormat(opts.format) });
    const sup = loadSuppressions((opts.suppressions as string | undefined) ?? config.suppressions, opts.suppressions !== undefined);
    applyEquivalence(report, sup, ctx.now());
    const r = resilienceOf(countStatuses(report.mutants));
    if (r.score === null)
      return { pass: false, value: null, min, reason: 'no valid mutants in the report: no data, not a score', fields: { mutants_total: 0 } };
    const pass = r.score >= min;
    return {
      pass,
      value: r.score,
      min,
      reason: pass ? `resilience ${r4(r.score)} >= ${min}` : `resilience ${r4(r.score)} < ${min}`,
      fields: { mutants_total: r.mutants_total, killed: r.killed, equiv: r.equiv },
    };
  },
};
