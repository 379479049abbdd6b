// Real failing runs of more ecosystems' tools (issue 15, deliverable 2; scripts in
// fixtures/ecosystems/make/): the first cause is the tool's own failure line, with its tool.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from './analyze.js';
import { HELDOUT_DIR } from './corpus.js';
import { ruleSet } from './rules.js';

const LOGS = path.join(path.dirname(HELDOUT_DIR), 'ecosystems', 'logs');
const rules = ruleSet();

const CASES: Array<{ log: string; rule: string; tool: string; evidence: string }> = [
  { log: 'eco-rspec-fail.log', rule: 'rspec.failures', tool: 'rspec', evidence: 'Failures:' },
  { log: 'eco-ctest-fail.log', rule: 'ctest.failed', tool: 'ctest', evidence: 'Test #1: ring_wraps' },
  { log: 'eco-ld-undefined.log', rule: 'ld.undefined', tool: 'make', evidence: "undefined reference to `checksum'" },
  { log: 'eco-prove-fail.log', rule: 'tap.failed-test', tool: 'prove', evidence: "Failed test 'edges are trimmed'" },
  { log: 'eco-mocha-fail.log', rule: 'any.test.assertion', tool: 'mocha', evidence: 'AssertionError [ERR_ASSERTION]' },
  { log: 'eco-markdownlint-fail.log', rule: 'markdownlint.violation', tool: 'markdownlint', evidence: 'MD012/no-multiple-blanks' },
  { log: 'eco-linkinator-fail.log', rule: 'linkinator.broken', tool: 'linkinator', evidence: 'Detected 1 broken links' },
  { log: 'eco-asan-fail.log', rule: 'sanitizer.error', tool: 'shell', evidence: 'AddressSanitizer: heap-use-after-free' },
  { log: 'eco-tslint-fail.log', rule: 'tslint.failure', tool: 'tslint', evidence: "Forbidden 'var' keyword" },
  { log: 'eco-stylelint-fail.log', rule: 'stylelint.problem', tool: 'stylelint', evidence: 'Expected no more than 1 declaration' },
  { log: 'eco-jshint-fail.log', rule: 'jshint.error', tool: 'jshint', evidence: 'lib/price.js: line 2, col 24, Missing semicolon.' },
  { log: 'eco-pylint-fail.log', rule: 'pylint.module', tool: 'pylint', evidence: '************* Module cart' },
  { log: 'eco-mypy-fail.log', rule: 'mypy.error', tool: 'mypy', evidence: 'Incompatible return value type' },
  { log: 'eco-black-fail.log', rule: 'black.would-reformat', tool: 'black', evidence: 'would reformat pkg/style.py' },
  { log: 'eco-cppcheck-fail.log', rule: 'cppcheck.error', tool: 'cppcheck', evidence: "Array 'p[4]' accessed at index 4" },
  { log: 'eco-phpunit-fail.log', rule: 'phpunit.first-test', tool: 'phpunit', evidence: '1) CartTest::testRejectsNegativePrices' },
  { log: 'eco-php-fatal.log', rule: 'php.fatal', tool: 'php', evidence: 'Call to undefined function load_pages()' },
  { log: 'eco-rebar3-eunit-fail.log', rule: 'eunit.assertion', tool: 'rebar3', evidence: 'Failure/Error: ?assertEqual(15' },
  { log: 'eco-rebar3-ct-fail.log', rule: 'ct.failed', tool: 'rebar3', evidence: '%%% cart_SUITE ==> sums:' },
  { log: 'eco-rspec-load-error.log', rule: 'rspec.load-error', tool: 'rspec', evidence: 'An error occurred while loading ./spec/price_spec.rb' },
  { log: 'eco-rake-aborted.log', rule: 'rake.aborted', tool: 'rake', evidence: 'rake aborted!' },
  { log: 'eco-composer-unresolvable.log', rule: 'composer.problem', tool: 'composer', evidence: 'Problem 1' },
  { log: 'eco-rebar3-compile-error.log', rule: 'erlang.compile', tool: 'rebar3', evidence: 'src/cart_fmt.erl:3:43: syntax error before' },
  { log: 'eco-minitest-fail.log', rule: 'minitest.failure', tool: 'minitest', evidence: '1) Failure:' },
  { log: 'eco-eunit-fail.log', rule: 'eunit.failed-test', tool: 'rebar3', evidence: 'cart_tests: sums_test...*failed*' },
];

describe('ecosystems: real failing runs', () => {
  it.each(CASES)('$log: $rule names the failure', (c) => {
    const a = analyzeText(readFileSync(path.join(LOGS, c.log), 'utf8'), rules, { classifier: null });
    expect(a.failed).toBe(true);
    const top = a.root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: c.rule });
    expect(top.tool).toBe(c.tool);
    expect(top.evidence.text).toContain(c.evidence);
  });
  it("mocha's `N failing` report is a cause of its own (a failure without an assertion line, a multi-line title)", () => {
    const a = analyzeText(readFileSync(path.join(LOGS, 'eco-mocha-fail.log'), 'utf8'), rules, { classifier: null });
    expect(a.root_causes.find((rc) => 'rule_id' in rc.decided_by && rc.decided_by.rule_id === 'mocha.failing')?.evidence.text.trim()).toBe('2 failing');
  });
  it('PHPUnit: the file and line of the failing test are under the report, the summary states the failure', () => {
    const a = analyzeText(readFileSync(path.join(LOGS, 'eco-phpunit-fail.log'), 'utf8'), rules, { classifier: null });
    expect(a.facts.structure.outcomes.at(-1)).toMatchObject({ ok: false });
    expect(a.root_causes[0]!.evidence.after.join('\n')).toContain('InvalidArgumentException: price must be positive, got -3');
  });
});
