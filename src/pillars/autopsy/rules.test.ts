import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../core/errors.js';
import { analyzeText } from './analyze.js';
import { BUILTIN_RULES_DIR, builtinRules, compileDocuments, jsMatcher, loadPacks, packDocuments, parsePack, re2Matcher, ruleSet } from './rules.js';
import { scanText } from './scan.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'autopsy-rules-'));

describe('rule packs', () => {
  it('ships built-in packs with unique ids, known tools and categories, and a docs link on every rule', () => {
    const rules = builtinRules();
    expect(rules.length).toBeGreaterThan(150);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.match.engine).toBe('js');
      expect(r.docs_uri, r.id).toMatch(/^https:\/\//);
      // A rule that matches the empty string would fire on every line.
      expect(r.match.exec(''), r.id).toBeNull();
    }
  });

  it('the pre-parsed packs the build writes compile to the same rules as the YAML, and keep the checks', () => {
    const fromYaml = loadPacks(BUILTIN_RULES_DIR, 'builtin');
    const docs = JSON.parse(JSON.stringify(packDocuments(BUILTIN_RULES_DIR)));
    const fromJson = compileDocuments(docs, 'builtin');
    const shape = (rs: typeof fromYaml) => rs.map((r) => ({ ...r, match: `${r.match.engine}/${r.match.source}/${r.match.ignoreCase}` }));
    expect(fromJson.length).toBeGreaterThan(100);
    expect(shape(fromJson)).toEqual(shape(fromYaml));
    // The same validation applies to pre-parsed rules.
    docs[0].rules[0].category = 'not-a-category';
    expect(() => compileDocuments(docs, 'builtin')).toThrow(/category "not-a-category" is not a category/);
  });

  it('keeps every built-in regex linear on adversarial input (no catastrophic backtracking)', () => {
    const inputs = ['a', 'a.', ' ', 'error: ', 'E   ', '\t', 'x:1:', "'", '-', '/', 'Error', '0'].map((u) => u.repeat(Math.ceil(20_000 / u.length)) + '!');
    for (const r of builtinRules()) {
      const t0 = process.hrtime.bigint();
      for (const s of inputs) r.match.exec(s);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // Linear rules take well under a millisecond per 20 kB; a backtracking one takes seconds.
      expect(ms, `${r.id} took ${ms.toFixed(0)} ms on 240 kB of adversarial input`).toBeLessThan(2_000);
    }
  });

  // Tool output shapes from the tools' documentation and source (issue 15, deliverable 2): each line is
  // named by its rule, and a look-alike that is not the tool's shape is not.
  it.each([
    ['t9502-gitweb-standalone-parse-output.sh .. Failed 1/13 subtests', 'prove.program-failed'],
    ['Failed 2/7 subtests ', 'prove.program-failed'],
    ['flag provided but not defined: -trace2_event_file', 'go.flag.undefined'],
    ['Reason: {test_case_failed,{failed_to_create_sql_tables,pgsql,', 'ct.case-reason'],
    ['Reason: timetrap_timeout', 'ct.case-reason'],
    ['src/netbase.cpp:608: thru  ==> through', 'codespell.misspelling'],
    ['ERROR: no certificate subject alternative name matches', 'any.network.tls'],
    ["ERROR: cannot verify example.org's certificate, issued by 'CN=R3':", 'any.network.tls'],
    // rules/php-erlang-ruby.yml: shapes from the tools' documentation and source (the rest are real runs in ecosystems.test.ts).
    ['  Problem 1', 'composer.problem'],
    ['1) Symfony\\Component\\VarDumper\\Tests\\CasterExceptionCasterTest::testDefaultSettings', 'phpunit.first-test'],
    ['  [Composer\\Downloader\\TransportException]', 'composer.transport'],
    ['The "https://repo.packagist.org/packages.json" file could not be downloaded: failed to open stream', 'composer.transport'],
    ['Cannot open file "tests/CartTest.php".', 'phpunit.cannot-open'],
    ['Test run failed! Reason:', 'ct.run-failed'],
    ['Testing processone.ejabberd: *** FAILED test case 89 of 1470 ***', 'ct.case-failed-console'],
    ['Testing processone.ejabberd: *** FAILED {ejabberd_SUITE,init_per_group} ***', 'ct.case-failed-console'],
    ["ERROR: 'get-deps' failed while processing /home/travis/build/app/deps/jose: {'EXIT',{function_clause,", 'rebar.get-deps'],
    ['ERROR: xref failed while processing /home/travis/build/app: rebar_abort', 'rebar.command-failed'],
    ['db/migrate/20190731_rename.rb:1:1: C: Style/FrozenStringLiteralComment: Missing magic comment # frozen_string_literal: true.', 'rubocop.offense'],
    ['Your bundle is locked to mimemagic (0.3.5), but that version could not be found in any of the sources listed in your Gemfile.', 'bundler.locked-missing'],
    ['An error occurred while installing pg (1.2.3), and Bundler cannot continue.', 'bundler.install-failed'],
    ["cabal.exe: Couldn't establish HTTP connection. Possible cause: HTTP proxy", 'cabal.network'],
    ["setup: can't find source for ShellCheck/Formatter/JSON1 in src,", 'cabal.source-missing'],
    ['src/ShellCheck/Fixer.hs:38:10:', 'ghc.error-legacy'],
    ['  To rerun use: --match "/Cart/total/sums the prices/"', 'hspec.failure'],
    ['Test suite spec: FAIL', 'cabal.test-suite-failed'],
    ['--  While building package shellcheck-0.7.1 (scroll up to its section to see the error) using:', 'stack.build-wrapper'],
    ['3 hints', 'hlint.summary'],
  ])('%s → %s', (line, id) => {
    expect(scanText(line + '\n', builtinRules()).hits.map((h) => h.rule.id)).toContain(id);
  });
  it.each([
    ['Reason: the server went away', 'ct.case-reason'],
    ['All 13 subtests passed ', 'prove.program-failed'],
    ['==> rel (get-deps)', 'codespell.misspelling'],
    ['  Problem 12 was solved', 'composer.problem'],
    ['  1) Failure:', 'phpunit.first-test'],
    ['2) CartTest::testSumsPrices', 'phpunit.first-test'],
    ['src/ShellCheck/Fixer.hs:3:1: Warning: Top-level binding with no type signature', 'ghc.error-legacy'],
    ['No hints', 'hlint.summary'],
    ['app/models/user.rb:3:7: note: see the style guide', 'rubocop.offense'],
    ['gcc -c /tmp/pear/temp/mongodb/src/MongoDB/Exception/ExecutionTimeoutException.c -o ExecutionTimeoutException.lo', 'surefire.timeout'],
    ['Caught exception in Test_quotestar(): WaitFor() timed out after 5000 msec', 'surefire.timeout'],
  ])('%s is not %s', (line, id) => {
    expect(scanText(line + '\n', builtinRules()).hits.map((h) => h.rule.id)).not.toContain(id);
  });

  it('names the file, line and field of a bad rule', () => {
    const bad = (yaml: string) => {
      try {
        parsePack(yaml, 'team.yml', 'user');
      } catch (e) {
        return e as CiError;
      }
      throw new Error('no error');
    };
    const e1 = bad(
      '- id: ok.rule\n  tool: pytest\n  category: test_failure\n  match: "x"\n  hint: "h"\n- id: two\n  tool: pytest\n  category: flaky\n  match: "x"\n  hint: "h"\n',
    );
    expect(e1.code).toBe('E_RULES_INVALID');
    expect(e1.where).toBe('team.yml:6 (rule 2)');
    expect(e1.message).toContain('category "flaky"');
    expect(bad('- id: a\n  tool: pytest\n  category: crash\n  match: "x"\n  hint: h\n  colour: red\n').message).toContain('field colour is unknown');
    expect(bad('- id: a\n  tool: maven2\n  category: crash\n  match: "x"\n  hint: h\n').message).toContain('not a known tool');
    expect(bad('- id: a\n  tool: pytest\n  category: crash\n  match: "(a)\\\\1"\n  hint: h\n').hint).toContain('RE2 dialect');
    expect(bad('- id: [oops\n').where).toMatch(/^team\.yml:\d+$/);
  });

  it('user rules run on RE2: the catastrophic `(a+)+$` on 30 a and a b cannot hang the scan', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'evil.yml'), `- id: team.evil\n  tool: shell\n  category: script_error\n  match: '(a+)+$'\n  hint: 'never fires here'\n`);
    const rules = ruleSet([dir]);
    const evil = rules.find((r) => r.id === 'team.evil')!;
    expect(evil.match.engine).toBe('re2');
    const input = 'a'.repeat(30) + 'b';
    // The same pattern in JS RegExp backtracks 2^30 times (seconds); RE2 answers at once.
    expect(evil.match.exec(input)).toBeNull();
    const r = scanText(Array.from({ length: 200 }, () => input).join('\n') + '\n', rules);
    expect(r.facts.lines).toBe(200);
    expect(r.hits.filter((h) => h.rule.id === 'team.evil')).toHaveLength(0);
  });

  it('a user rule (RE2 named groups) fires, names its file/line, and wins over built-ins by priority', () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'team.yml'),
      `- id: acme.flaky-db\n  tool: shell\n  category: infra_unavailable\n  match: 'ACME-DB-(?P<code>\\d+) at (?P<file>\\S+):(?P<line>\\d+)'\n  hint: 'The shared test database is down: page #db-oncall.'\n  severity: warn\n  docs_uri: https://wiki.example.com/acme-db\n  priority: 99\n`,
    );
    const rules = ruleSet([dir]);
    const a = analyzeText('setup\nError: ACME-DB-503 at db/pool.js:12 connection refused\n', rules, { classifier: null });
    const top = a.root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'acme.flaky-db' });
    expect(top.category).toBe('infra_unavailable');
    expect([top.file, top.line, top.severity]).toEqual(['db/pool.js', 12, 'warn']);
  });

  it('JS and RE2 matchers report the same named groups', () => {
    const src = 'at (?P<file>[^:]+):(?P<line>\\d+)';
    expect(re2Matcher(src).exec('x at a.js:3')).toEqual({ index: 2, match: 'at a.js:3', groups: { file: 'a.js', line: '3' } });
    expect(jsMatcher(src.replace(/\?P</g, '?<')).exec('x at a.js:3')).toEqual({ index: 2, match: 'at a.js:3', groups: { file: 'a.js', line: '3' } });
  });
});
