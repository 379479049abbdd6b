import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from './analyze.js';
import { HELDOUT_DIR } from './corpus.js';
import { builtinRules } from './rules.js';
import { normalizeEvidence, failureSignature } from './signature.js';

const rules = builtinRules();
const log = (id: string) => readFileSync(path.join(HELDOUT_DIR, 'logs', `${id}.log`), 'utf8');

describe('root causes', () => {
  it('ranks the first root cause over its consequences (first compile error, not the summary or exit code)', () => {
    const a = analyzeText(log('ho-cargo-unresolved'), rules, { classifier: null });
    const [top, ...rest] = a.root_causes;
    expect(top!.category).toBe('missing_module');
    expect(top!.evidence.text).toContain('error[E0432]: unresolved import `serde_json`');
    expect([top!.file, top!.line]).toEqual(['src/main.rs', 1]);
    expect(top!.docs_uri).toBe('https://doc.rust-lang.org/error_codes/E0432.html');
    expect(rest.map((c) => c.decided_by)).toContainEqual({ rule_id: 'any.exit.step' });
    expect(a.root_causes.at(-1)!.category).toBe('script_error');
  });

  it('gives evidence with context, the failing test and its repro command (pytest)', () => {
    const top = analyzeText(log('ho-py-assert-list'), rules, { classifier: null }).root_causes[0]!;
    expect(top).toMatchObject({
      category: 'test_failure',
      tool: 'pytest',
      file: 'tests/test_sort.py',
      line: 5,
      repro: 'pytest tests/test_sort.py::test_dedupe_keeps_order',
      severity: 'error',
    });
    expect(top.evidence.before).toHaveLength(3);
    expect(top.evidence.after).toHaveLength(3);
    expect(top.evidence.before.at(-1)).toContain('>       assert dedupe([3, 1, 3, 2]) == [1, 2, 3]');
  });

  it('names the repro command of go test, jest, vitest and cargo test failures', () => {
    const repro = (id: string) => analyzeText(log(id), rules, { classifier: null }).root_causes[0]!.repro;
    expect(repro('ho-go-test-fail')).toBe("go test -run '^TestRound$' example.com/money");
    expect(repro('ho-jest-toequal')).toBe('npx jest ./users.test.js -t "maps a row to a user"');
    expect(repro('ho-vitest-assert')).toBe('npx vitest run src/cart.test.js -t "total without tax"');
    expect(repro('ho-cargo-test-assert')).toBe('cargo test tests::strips_punctuation -- --exact');
  });

  it('says nothing failed for passing output, and exits the fallback only when told the job failed', () => {
    const passing = 'PASS src/a.test.js\n  ✓ adds (3 ms)\nTest Suites: 1 passed, 1 total\nTests:       1 passed, 1 total\n';
    expect(analyzeText(passing, rules, { classifier: null })).toMatchObject({ failed: false, root_causes: [] });
  });

  it('never shows a private-key line, even as context of a cause right after the key', () => {
    const a = analyzeText(log('ho-secrets-deploy'), rules, { classifier: null });
    const top = a.root_causes[0]!;
    expect(top.category).toBe('network');
    for (const l of [...top.evidence.before, ...top.evidence.after]) expect(l).not.toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(top.evidence.before).toContain('[REDACTED:private-key]');
  });

  it('groups the same failure across runs: numbers, hex ids, temp paths and times do not change the signature', () => {
    const a = 'connect ECONNREFUSED 127.0.0.1:5432 at 2026-11-22T07:51:28Z in /tmp/jest_rs/abc123 (took 1200ms) id 9f8e7d6c5b4a';
    const b = 'connect ECONNREFUSED 127.0.0.1:6543 at 2026-11-23T09:01:02Z in /tmp/jest_xy/zz99 (took 30ms) id 0a1b2c3d4e5f';
    expect(normalizeEvidence(a)).toBe(normalizeEvidence(b));
    expect(failureSignature('node', 'network', a)).toBe(failureSignature('node', 'network', b));
    expect(failureSignature('node', 'network', a)).not.toBe(failureSignature('node', 'crash', a));
  });
});
