// The eval on logs labelled by line ranges (issue 15, deliverable 6): the LogChunks manifest format
// on a small corpus made in a temp folder from our own held-out logs, and the committed baseline of
// the shared LogChunks half (read in place from ../shared, never copied; figures only in
// eval-baseline.json). Update on purpose: UPDATE_BASELINE=1 npx vitest run src/pillars/autopsy/eval-lines.test.ts
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ABSTAIN_BELOW } from './analyze.js';
import { shippedClassifier } from './classify.js';
import { HELDOUT_DIR, logchunksDir } from './corpus.js';
import { evaluateLines, isLineManifest, naiveLines, renderLineEvalText } from './eval-lines.js';
import { ruleSet } from './rules.js';

const BASELINE = path.join(path.dirname(new URL(import.meta.url).pathname), 'eval-baseline.json');
const lc = logchunksDir();
if (!lc && process.env.CI === 'true') throw new Error('the shared LogChunks corpus is missing: ../shared/corpus/autopsy-logchunks (or set CI_INTEL_LOGCHUNKS)');

describe('ranges-labelled eval', () => {
  it('scores hit@1/hit@3/detect and the naive baselines on gzipped logs, per language', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'autopsy-lines-'));
    mkdirSync(path.join(dir, 'logs', 'Rust'), { recursive: true });
    const log = readFileSync(path.join(HELDOUT_DIR, 'logs', 'ho-cargo-mismatch.log'), 'utf8');
    writeFileSync(path.join(dir, 'logs', 'Rust', 'a.log.gz'), gzipSync(log));
    const evidence = log.split('\n').findIndex((l) => l.includes('error[E0308]')) + 1;
    writeFileSync(
      path.join(dir, 'manifest.jsonl'),
      [
        { path: 'Rust/a.log', language: 'Rust', repo: 'x', ranges: [[evidence, evidence]] },
        { path: 'Rust/a.log', language: 'Rust2', repo: 'x', ranges: [[evidence + 10, evidence + 12]] },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n') + '\n',
    );
    expect(isLineManifest(dir)).toBe(true);
    expect(isLineManifest(HELDOUT_DIR)).toBe(false);
    const r = evaluateLines(dir, ruleSet(), shippedClassifier());
    expect(r.cases).toBe(2);
    expect(r.per_language.Rust!.hit1).toBe(1);
    expect(r.per_language.Rust2!.hit1).toBe(0);
    expect(r.detect).toBe(1);
    expect(r.misses.map((m) => m.path)).toEqual(['Rust/a.log']);
    const text = renderLineEvalText(r, dir, true);
    expect(text).toMatch(/^all\s+2\s+0\.500/m);
    expect(text).toContain('naive-last');
    // The classifier's calibration is published: its threshold and the precision there.
    expect(r.abstention.threshold).toBe(ABSTAIN_BELOW);
    expect(r.abstention.answered + r.abstention.abstained).toBeLessThanOrEqual(r.abstention.model_decided);
    expect(text).toMatch(
      new RegExp(`classifier abstains below confidence ${ABSTAIN_BELOW}: of \\d+ logs it would decide, answered \\d+ with precision (?:[01]\\.\\d{3}|n/a)`),
    );
    expect(text).toContain('line precision by threshold: 0→');
  });

  it('the naive baselines are the first and last line matching error|fail|exception', () => {
    expect(naiveLines('ok\nan Error here\nfine\nFAILED x\nend')).toEqual({ first: 2, last: 4 });
    expect(naiveLines('all good')).toEqual({ first: undefined, last: undefined });
  });
});

describe.skipIf(!lc)('LogChunks shared half: the committed baseline', () => {
  it('hit@1, hit@3 and detect do not fall below eval-baseline.json', () => {
    const r = evaluateLines(lc!, ruleSet(), shippedClassifier());
    const now = { cases: r.cases, hit1: r.hit1, hit3: r.hit3, strict1: r.strict1, detect: r.detect, naive_last: r.naive_last, naive_first: r.naive_first };
    const all = JSON.parse(readFileSync(BASELINE, 'utf8')) as Record<string, typeof now>;
    if (process.env.UPDATE_BASELINE) {
      writeFileSync(BASELINE, JSON.stringify({ ...all, logchunks: now }, null, 2) + '\n');
      return;
    }
    const b = all.logchunks;
    expect(b, 'no logchunks baseline: run with UPDATE_BASELINE=1').toBeDefined();
    expect(now.cases).toBe(b!.cases);
    expect(now.hit1).toBeGreaterThanOrEqual(b!.hit1);
    expect(now.hit3).toBeGreaterThanOrEqual(b!.hit3);
    expect(now.detect).toBeGreaterThanOrEqual(b!.detect);
    expect(now.hit1).toBeGreaterThan(now.naive_last);
  }, 180_000);
});
