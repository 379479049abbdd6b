// The committed eval baseline (issue 4, deliverable 8): the analyzer must not get worse on the
// shared answer-keyed corpus nor on our own held-out logs. Update eval-baseline.json on purpose
// (`UPDATE_BASELINE=1 npx vitest run src/pillars/autopsy/eval.test.ts`) when a change improves it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ABSTAIN_BELOW } from './analyze.js';
import { Redactor } from '../../core/redact/index.js';
import { shippedClassifier } from './classify.js';
import { HELDOUT_DIR, sharedCorpusDir } from './corpus.js';
import { evaluate, type EvalReport } from './eval.js';
import { ruleSet } from './rules.js';

const BASELINE = path.join(path.dirname(new URL(import.meta.url).pathname), 'eval-baseline.json');
const shared = sharedCorpusDir();
if (!shared && process.env.CI === 'true') throw new Error('the shared autopsy corpus is missing (test/corpus/autopsy in the repository)');

type Summary = Pick<EvalReport, 'cases' | 'precision' | 'recall' | 'f1' | 'evidence_hit_rate' | 'secrets_planted' | 'secrets_leaked'> & {
  rule_only_f1: number;
  model_loocv_f1: number;
};
const summary = (r: EvalReport): Summary => ({
  cases: r.cases,
  precision: r.precision,
  recall: r.recall,
  f1: r.f1,
  evidence_hit_rate: r.evidence_hit_rate,
  secrets_planted: r.secrets_planted,
  secrets_leaked: r.secrets_leaked,
  rule_only_f1: r.rule_only.f1,
  model_loocv_f1: r.model_loocv.f1,
});

const baseline: Record<string, Summary> = existsSync(BASELINE) ? JSON.parse(readFileSync(BASELINE, 'utf8')) : {};
const results: Record<string, Summary> = {};

function check(name: string, dir: string | null, extra: () => string[]) {
  it.skipIf(!dir)(
    `${name}: no regression against the committed baseline, no leak${dir ? '' : ' (skipped: shared/corpus/autopsy not found beside the repository)'}`,
    async () => {
      const r = await evaluate(dir!, ruleSet(), shippedClassifier(), new Redactor(), extra());
      const now = summary(r);
      results[name] = now;
      expect(now.secrets_leaked, JSON.stringify(r.leaks)).toBe(0);
      // The model's category precision at the threshold it abstains below is published, counted on its leave-one-out answers.
      expect(r.model_calibration.threshold).toBe(ABSTAIN_BELOW);
      expect(r.model_calibration.answered).toBeLessThanOrEqual(r.model_calibration.cases);
      expect(r.model_calibration.sweep[0]!.answered).toBe(r.model_calibration.cases);
      if (process.env.UPDATE_BASELINE) return;
      const b = baseline[name];
      expect(b, `no baseline for ${name}: run with UPDATE_BASELINE=1`).toBeDefined();
      expect(now.cases).toBe(b!.cases);
      expect(now.f1, JSON.stringify(r.misses)).toBeGreaterThanOrEqual(b!.f1);
      expect(now.evidence_hit_rate, JSON.stringify(r.misses)).toBeGreaterThanOrEqual(b!.evidence_hit_rate);
      expect(now.rule_only_f1).toBeGreaterThanOrEqual(b!.rule_only_f1);
      expect(now.model_loocv_f1).toBeGreaterThanOrEqual(b!.model_loocv_f1);
      expect(now.secrets_planted).toBe(b!.secrets_planted);
    },
  );
}

describe('autopsy eval', () => {
  // The leave-one-out model also trains on the other corpus (the scored case is always left out).
  check('shared', shared, () => [HELDOUT_DIR]);
  check('heldout', HELDOUT_DIR, () => (shared ? [shared] : []));
  // Maintenance, not a test: UPDATE_BASELINE=1 rewrites the committed baseline after the checks ran.
  afterAll(() => {
    if (process.env.UPDATE_BASELINE) writeFileSync(BASELINE, JSON.stringify({ ...baseline, ...results }, null, 2) + '\n');
  });
});
