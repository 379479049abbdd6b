// From hits and facts to root causes, most likely first (issue 4, deliverables 1, 4, 6, 11).
// Ranking: the rule's priority (specific root causes over their consequences: a missing module
// over the type errors it causes, a crash over the runner's complaint about it, anything over the
// step's exit code), then the earliest line (the first compile error, not the 40 after it).
// When no rule fires, the classifier decides, and says so with its confidence.
import type { Readable } from 'node:stream';
import type { RootCause } from '../../core/model/index.js';
import type { Redactor } from '../../core/redact/index.js';
import { type Classifier } from './classify.js';
import { relPath } from './parsers/common.js';
import { PARSER_BY_TOOL, SALIENT as SALIENT_WORD, toolAround } from './parsers/index.js';
import type { FailingTest, Hit, LogFacts, Rule } from './types.js';
import { scanStream, scanText } from './scan.js';
import { failureSignature } from './signature.js';
import { failingOutcome, isStepFailure, nextOutcome, regionOf, statesPassed, stepAt, stepTool, type Region } from './structure.js';

export interface ExplainOptions {
  /** The classifier for logs where no rule fires (null: rules only). */
  classifier: Classifier | null;
  /**
   * The job is known to have failed (the hub knows the job status; `--failed`; every eval case):
   * when nothing specific shows, report the best guess instead of "nothing failed".
   */
  assumeFailed?: boolean;
  /** Root causes listed (most likely first). */
  maxCauses?: number;
  /** Lines of context printed before and after the evidence. */
  context?: number;
  /**
   * The classifier answers only at or above this confidence; below it the cause is "unexplained —
   * see line N" with the failing step's last lines (default ABSTAIN_BELOW; 0: always answer).
   */
  abstainBelow?: number;
}

/**
 * The classifier's confidence below which it abstains (issue 15, deliverable 4): the lowest
 * threshold at which its leave-one-out category precision reaches 0.8 on our labelled sets. The
 * shipped model reaches it at none — 0.11–0.27 at every threshold from 0 to 1, even on answers it
 * gives with confidence 1.000 (docs/notes/issue-15.md, "Update 2026-12-06 (night, accuracy)") —
 * so the threshold sits above any confidence it gives (they are rounded to 0.001): it always says
 * "unexplained — see line N". Both evals print the precision by threshold; a retrained model that
 * reaches 0.8 somewhere lowers this to that threshold.
 */
export const ABSTAIN_BELOW = 1.001;

/** The rule id an abstention carries: no rule and no confident model named the cause. */
export const UNEXPLAINED_ID = 'structure.unexplained';

export interface Explanation {
  failed: boolean;
  root_causes: RootCause[];
  facts: LogFacts;
}

const CLEAN_PREFIX = /^(?:E\s{1,}|npm (?:error|ERR!) |\[ERROR\]\s*|error:\s+(?=\S+:\d)|│\s*|::error[^:]*::|\s+)/;

function message(hit: Hit): string {
  const m = hit.groups.msg ?? hit.text.replace(CLEAN_PREFIX, '');
  return m.trim().slice(0, 500);
}

function nearestTest(facts: LogFacts, tool: string, line: number): FailingTest | null {
  let best: FailingTest | null = null;
  let bestD = Infinity;
  for (const t of facts.failingTests) {
    if (t.tool !== tool) continue;
    // Runners name the test before (jest ●, cargo ----) or after (pytest summary, go --- FAIL) the message.
    const d = t.line <= line ? (line - t.line) * 1.2 : t.line - line;
    if (d < bestD) {
      best = t;
      bestD = d;
    }
  }
  return best;
}

function inSecret(facts: LogFacts, line: number): boolean {
  return facts.secretRanges.some(([a, b]) => line >= a && line <= b);
}

function contextLines(facts: LogFacts, ls: Array<{ line: number; raw: string }>): string[] {
  return ls.map((l) => (inSecret(facts, l.line) ? '[REDACTED:private-key]' : l.raw));
}

/** Rules for a step's or runner's exit line: their tool is the step's, never a guess from nearby output. */
const EXIT_RULE = /^(?:any\.exit\.|ci\.exit\.)/;

function resolveTool(rule: Rule, facts: LogFacts, line: number): string {
  if (EXIT_RULE.test(rule.id)) return stepTool(facts.structure, line) ?? 'shell';
  return rule.tool === '*' ? toolAround(facts, line) : rule.tool;
}

function rootCauseOf(hit: Hit, facts: LogFacts, width: number): RootCause {
  const tool = resolveTool(hit.rule, facts, hit.line);
  const parser = PARSER_BY_TOOL.get(tool);
  const g = hit.groups;
  let file: string | null = g.file ?? g.file2 ?? null;
  const lineGroup = g.line ?? g.line2;
  let line: number | null = lineGroup !== undefined && /^\d+$/.test(lineGroup) ? Number(lineGroup) : null;
  if (file) {
    file = relPath(file);
  } else {
    const loc = parser?.locate?.(hit) ?? null;
    if (loc) {
      file = loc.file;
      line = loc.line;
    }
  }
  const test = nearestTest(facts, tool, hit.line);
  let repro: string | null = null;
  try {
    repro = parser?.repro?.(hit, test, facts) ?? null;
  } catch {
    repro = null;
  }
  const code = hit.groups.code;
  const docs = hit.rule.docs_uri?.replace('{code}', code ?? '') ?? null;
  return {
    category: categoryOf(hit),
    tool,
    pattern: hit.matched.trim().slice(0, 300),
    message: message(hit),
    suggestion: hit.rule.hint,
    severity: hit.rule.severity,
    file,
    line,
    docs_uri: docs,
    repro,
    evidence: {
      line: hit.line,
      text: inSecret(facts, hit.line) ? '[REDACTED:private-key]' : hit.raw,
      before: contextLines(facts, hit.before.slice(-width)),
      after: contextLines(facts, hit.after.slice(0, width)),
    },
    decided_by: { rule_id: hit.rule.id },
    signature: failureSignature(tool, categoryOf(hit), message(hit)),
  };
}

/**
 * Lines that are never the evidence on their own: npm's `code`/`errno`/`syscall` header lines and
 * Node's error-object dump (`  code: 'EACCES'`) repeat what the explaining line says.
 */
const DEMOTE = /^(?:npm (?:error|ERR!) (?:code|errno|syscall|path|dest|A complete log) |\s+(?:code|errno|syscall|path|address|port|dest): '?\S)/;

/**
 * A tool's warning: information, never an error cause on its own (issue 15, deliverable 3). apt's
 * `debconf:` lines say only that its dialog frontend fell back to a simpler one; the install goes on.
 * A server's own log record below error level (`20:50:49.289 [warning] ...`, as Erlang's logger and
 * lager print them) is what the program under test logged, not a verdict. sbt prints each passing
 * ScalaTest test's name at info level (`[info] - fails if TLS is required`): a title, not an error.
 * A compiler's or linter's `file:line:col: warning: ...` (clang, swiftc, SwiftLint's Xcode reporter)
 * is a warning too: a run with only warnings passes; under a strict lint that failed the step it is
 * still the cause, ranked low.
 */
export const WARNING_LINE =
  /^\s*(?:\S+:\d+:(?:\d+:)? warning: |debconf: |\[info\] - (?!.*\*\*\* FAILED \*\*\*)|(?:\d{4}-\d\d-\d\d[ T])?\d\d:\d\d:\d\d(?:[.,]\d+)? \[(?:warn(?:ing)?|info|debug|notice)\] |npm (?:warn|WARN)\b|\[(?:WARNING|WARN)\]|warning(?:\[\w+\])?:|WARNING:|Warning:|WARN\b|W: |::warning|\S+:\d+: (?:\w+)?Warning: )/;

/**
 * A record a running program logged at error level (`Apr 12 14:46:55.119 - 0m6s ERROR app: ...`,
 * `20:50:49.289 [error] ...`, Python logging's `2019-07-01 10:00:00,123 ERROR ...`): what the
 * code under test said while a test ran — often on purpose, in a test that passed — not a runner's
 * verdict. It still counts, but a test runner's or build tool's own report of the failure goes first.
 */
export const LOG_RECORD =
  /^\s*\[?(?:\d{4}-\d\d-\d\d[ T]|[A-Z][a-z]{2} {1,2}\d{1,2} )?\d\d:\d\d:\d\d(?:[.,]\d{1,9})?\S{0,12}(?: \S{1,20}){0,3}? (?:(?:ERROR|ERRO|FATAL|CRITICAL|SEVERE)\b|\[(?:error|critical|fatal|emergency|alert)\])/;

/** What a logged error record loses against a runner's own report (LOG_RECORD). */
const LOGGED = 30;

/**
 * pytest's report of a failed test prints what the test printed in sections of its own
 * (`----- Captured stderr call -----`, `----- Captured log setup -----`, or a plugin's
 * `----- nginx-proxy logs -----`) after the traceback: a rule firing there is the program's output
 * during the test, which the traceback above already explains. True when the nearest such section
 * header before the hit comes after the last test header (`____ test_name ____`) or `====` banner.
 */
function inCapturedOutput(hit: Hit): boolean {
  for (let i = hit.before.length - 1; i >= 0; i--) {
    const t = hit.before[i]!.text;
    if (!t.startsWith('-') && !t.startsWith('_') && !t.startsWith('=')) continue;
    if (/^-{3,} \S.* -{3,}$/.test(t)) return true;
    if (/^_{3,} \S.* _{3,}$/.test(t) || /^={3,}/.test(t)) return false;
  }
  return false;
}

/** What a region adds to a hit's priority: inside the failing step first, a passed section never. */
const REGION_BONUS: Record<Region, number> = { failed: 30, unknown: 0, after: -40, passed: -200 }; // passed: filtered out in explain()

/**
 * What a failing step after an earlier failing one loses: Travis runs every script command even
 * after one failed, and a later one often fails because of the first (`docker run` of the image
 * `docker build` did not make), so the first failing step's cause goes first when priorities are close.
 */
const LATER_FAILURE = 20;

/**
 * The rank of a hit among the log's hits: its priority, moved by where it sits (structure.ts),
 * lowered on warnings, logged records and a kill the script went on after.
 */
function rankOf(hit: Hit, hits: Hit[], facts: LogFacts): number {
  const st = facts.structure;
  const region = regionOf(st, hit.line);
  const later = region === 'failed' && st.outcomes.some((o) => isStepFailure(o) && o.line < hit.line);
  const logged = LOG_RECORD.test(hit.text) || inCapturedOutput(hit) ? LOGGED : 0;
  const base = priorityOf(hit) + REGION_BONUS[region] - (WARNING_LINE.test(hit.text) ? 60 : logged) - (later ? LATER_FAILURE : 0);
  return base + scriptEndBonus(hit, facts) - (survivedKill(hit, hits, facts) ? SURVIVED_KILL : 0);
}

/**
 * Rules for a script's own error record (PowerShell's `At FILE:N char:M`): when the failing step's
 * verdict follows within SCRIPT_END_LINES, the record is the error that stopped the script — the
 * step's last word, naming the script line that threw, with the wrapped tool's own error lines just
 * before it (kept as the next cause and in the evidence's context). It then ranks above what one
 * tool printed earlier in the step; a record logged mid-run (a test that passed printed one) does not.
 */
const SCRIPT_END_RULE = /^powershell\.record\./;
const SCRIPT_END_LINES = 8;
const SCRIPT_END_BONUS = 40;

function scriptEndBonus(hit: Hit, facts: LogFacts): number {
  if (!SCRIPT_END_RULE.test(hit.rule.id)) return 0;
  const v = nextOutcome(facts.structure, hit.line);
  return v && !v.ok && v.line - hit.line <= SCRIPT_END_LINES ? SCRIPT_END_BONUS : 0;
}

/** Bash's job-status report of a script's command killed by a signal (`build.sh: line 9:    16 Killed    cabal build`). */
const JOB_KILLED = /: line \d+: +\d+ Killed\b/;

/** What a kill the script went on after loses (survivedKill). */
const SURVIVED_KILL = 40;

/**
 * A script's command was killed, yet the same step went on and failed later on something a rule
 * explains (a compile error, a failing test): the script survived the kill (`|| true`, no `set -e`:
 * a memory- or CPU-limited first attempt), so the later failure is the step's cause, not the kill.
 * Wrappers and exit lines after it do not count: they only pass the kill on.
 */
function survivedKill(hit: Hit, hits: Hit[], facts: LogFacts): boolean {
  if (hit.rule.id !== 'any.oom.killed' || !JOB_KILLED.test(hit.text)) return false;
  const step = stepAt(facts.structure, hit.line);
  return hits.some(
    (h) =>
      h.line > hit.line &&
      h.rule.id !== hit.rule.id &&
      h.rule.priority >= 60 &&
      !EXIT_RULE.test(h.rule.id) &&
      !WRAPPER.test(h.text) &&
      !WARNING_LINE.test(h.text) &&
      stepAt(facts.structure, h.line) === step,
  );
}

/** A hit that can say a log failed: not a warning, not in a section that passed. */
function countsAsFailure(hit: Hit, facts: LogFacts): boolean {
  return !WARNING_LINE.test(hit.text) && regionOf(facts.structure, hit.line) !== 'passed';
}

/** The priority a hit ranks with (the rule's, lowered on echo lines). */
export function priorityOf(hit: Hit): number {
  if (DEMOTE.test(hit.text)) return hit.rule.priority - 50;
  // A plain `error: ...` is a rustc/clippy diagnostic only when its span (` --> file:line:col`) follows.
  if (hit.rule.id === 'rust.compile.plain' && !hit.after.slice(0, 3).some((a) => /^\s*--> \S+:\d+:\d+/.test(a.text))) return 15;
  return hit.rule.priority;
}

/**
 * The category of a hit, refined by its context where one line cannot tell: a plain `error:` from
 * rustc is a clippy lint when its notes name a clippy lint.
 */
export function categoryOf(hit: Hit): RootCause['category'] {
  if (hit.rule.id === 'rust.compile.plain') {
    if (!hit.after.slice(0, 3).some((a) => /^\s*--> \S+:\d+:\d+/.test(a.text))) return 'script_error';
    if (hit.after.slice(0, 14).some((a) => /clippy::|rust-clippy|-D clippy/.test(a.text))) return 'lint_error';
  }
  return hit.rule.category;
}

/** Lines that say a run passed: never evidence of a failure on their own. */
const PASSING = /^\s*(?:✓|✔|√|ok\b|PASS\b|PASSED\b|--- PASS|test result: ok)|\b0 (?:failed|failures|errors)\b|\bno (?:errors|failures)\b/i;
const STRONG = /\b(?:error|fail(?:ed|ure)|fatal|exception|panic(?:ked)?|traceback|abort(?:ed)?|killed)\b/i;

/**
 * A line without the file names in it: a failure word that is part of a file name is not a failure
 * word (`Linting 'Error.swift' (11/53)`, `Parsing Error.swift (2/21)`, `"file": ".../FailureTests.m"`:
 * tools that walk files print every name). A name is a token (between spaces, quotes, brackets,
 * commas) ending in a lowercase `.ext`, as extensions are — `System.Exception` is no file name.
 */
const NAME_SEPARATORS = /[\s'"`()[\]{},]+/;
const FILE_NAME = /\w\.[a-z][a-z0-9]{0,5}$/;
export function withoutFileNames(text: string): string {
  if (!text.includes('.')) return text;
  return text
    .split(NAME_SEPARATORS)
    .filter((t) => !FILE_NAME.test(t))
    .join(' ');
}

/** The line says something failed, in words that are not part of a file name. */
const saysFailure = (text: string) => STRONG.test(text) && STRONG.test(withoutFileNames(text));

/** The text the classifier reads for a log: the lines that look like errors, and the last lines. */
export function modelDocument(hits: Hit[], facts: LogFacts): string {
  const lines = new Map<number, string>();
  for (const h of hits) lines.set(h.line, h.text);
  for (const s of facts.salient) lines.set(s.line, s.text);
  for (const t of facts.tail) lines.set(t.line, t.text);
  return [...lines.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, t]) => t)
    .join('\n');
}

/** Lines that only pass a failure on (make, npm, pnpm, yarn, xcodebuild, the linker driver): they point at what they wrap. */
const WRAPPER =
  /^(?:make(?:\[\d+\])?: \*\*\* |npm (?:ERR!|error)(?: |$)|ERR_PNPM_|\s*ELIFECYCLE|error Command failed with exit code|Makefile:\d+: recipe for target|collect2: error: ld returned|\*\* (?:BUILD|TEST|ARCHIVE) FAILED \*\*|(?:Error: )?Process completed with exit code|Build FAILED\.$)/;

/** Lines before a failing verdict that are read as its explanation (a test runner's failure report). */
const NEAR_VERDICT = 60;

/** The CI runner's own markers (Travis folds and timers, GitLab sections, GitHub `##[...]` commands): never a step's words. */
const RUNNER_MARKUP = /^(?:travis_|section_|##\[)/;

type Line = { line: number; raw: string; text: string };

/**
 * The line of a failing step nearest before its verdict (`The command ... exited with 1`, `Process
 * completed with exit code 1`), where runners print why: error-looking lines of the step (salient)
 * and the lines just before each failing verdict, scored by failure words minus distance. Runner
 * markup (`$ cmd` echoes, blank lines) never. Undefined when the log states no failing verdict.
 */
function nearVerdict(salient: Line[], facts: LogFacts): Line | undefined {
  const st = facts.structure;
  const pool = new Map<number, Line>();
  for (const l of salient) pool.set(l.line, l);
  for (const v of facts.verdictContext) for (const l of v.before) pool.set(l.line, l);
  let best: { l: Line; score: number } | undefined;
  for (const l of pool.values()) {
    const text = l.text.trim();
    if (!text || text.startsWith('$ ') || RUNNER_MARKUP.test(text) || WARNING_LINE.test(text) || WRAPPER.test(text)) continue;
    const v = nextOutcome(st, l.line);
    if (!v || v.ok || v.final || v.line - l.line > NEAR_VERDICT || v.line === l.line) continue;
    const plain = withoutFileNames(text);
    const words = STRONG.test(plain) ? NEAR_VERDICT : SALIENT_WORD.test(plain) ? NEAR_VERDICT / 2 : 0;
    // A line without failure words stands for the failure only before a verdict that names its
    // command (Travis prints the step's last output there); a bare exit line says more than it.
    if (!words && (!v.command || /^\S+(?:\.\d+)?$/.test(text))) continue;
    const score = words - (v.line - l.line);
    if (!best || score > best.score) best = { l, score };
  }
  return best?.l;
}

/** Ranks the hits and builds the root causes; the classifier decides when no rule fired. */
export function explain(hits: Hit[], facts: LogFacts, opts: ExplainOptions): Explanation {
  const width = opts.context ?? 3;
  const max = opts.maxCauses ?? 5;
  const st = facts.structure;
  // A log whose own verdicts say it passed, or whose only hits are warnings and lines of sections
  // that passed, names no cause unless the job is known to have failed.
  // A rule of warning severity (ESLint's `warning` lines) reports; alone it does not fail a run.
  const failing = hits.filter((h) => h.rule.severity === 'error' && countsAsFailure(h, facts));
  const passedLog = statesPassed(st) && !failing.some((h) => regionOf(st, h.line) === 'failed');
  if (!opts.assumeFailed && (passedLog || !failing.length) && !failingOutcome(st) && !(facts.exitCode ?? 0)) {
    const salientFailure = facts.salient.some(
      (s) => !PASSING.test(s.text) && !WARNING_LINE.test(s.text) && saysFailure(s.text) && regionOf(st, s.line) !== 'passed',
    );
    if (passedLog || !salientFailure) return { failed: false, root_causes: [], facts };
  }
  const rank = new Map(hits.map((h) => [h, rankOf(h, hits, facts)]));
  // A line in a section that passed is never a cause; warnings rank low and alone never fail a log.
  const ranked = hits
    .filter((h) => regionOf(st, h.line) !== 'passed' && (opts.assumeFailed || countsAsFailure(h, facts) || failingOutcome(st)))
    .sort((a, b) => rank.get(b)! - rank.get(a)! || a.line - b.line);
  const causes: RootCause[] = [];
  const seenLines = new Set<number>();
  const seenSig = new Set<string>();
  for (const h of ranked) {
    if (causes.length >= max) break;
    if (seenLines.has(h.line)) continue; // one cause per line: the best rule's
    const rc = rootCauseOf(h, facts, width);
    if (seenSig.has(rc.signature)) continue;
    seenLines.add(h.line);
    seenSig.add(rc.signature);
    causes.push(rc);
  }
  // When the log states a failing step but no rule fired inside it, the lines before that step's
  // verdict explain it better than a rule firing after it (after_failure output, cache upload).
  const stepFailed = st.outcomes.some(isStepFailure);
  // A step's exit line only says that it failed: the step's last words go first when it is all that fired.
  const first = ranked[0];
  const topInStep = !!first && regionOf(st, first.line) === 'failed' && !EXIT_RULE.test(first.rule.id) && !WRAPPER.test(first.text);
  if (causes.length && (topInStep || !stepFailed)) return { failed: true, root_causes: causes, facts };

  const usable = facts.salient.filter((s) => !PASSING.test(s.text) && !WARNING_LINE.test(s.text));
  // Where the failure is: the failing step's lines first, never a section that passed.
  const inFailed = usable.filter((s) => regionOf(st, s.line) === 'failed');
  const salient = inFailed.length ? inFailed : usable.filter((s) => regionOf(st, s.line) !== 'passed');
  const looksFailed = (facts.exitCode !== null && facts.exitCode !== 0) || !!failingOutcome(st) || salient.some((s) => saysFailure(s.text));
  if (!causes.length && !opts.assumeFailed && !looksFailed) return { failed: false, root_causes: [], facts };
  // With causes already found, only the step's last words may go before them, never a guess.
  const fallback = fallbackCause(hits, facts, opts.classifier, inFailed, salient, causes.length > 0, opts.abstainBelow ?? ABSTAIN_BELOW, width);
  if (!fallback || keepsWrapper(ranked[0], fallback)) return { failed: true, root_causes: causes, facts };
  return { failed: true, facts, root_causes: [fallback, ...causes.filter((c) => c.evidence.line !== fallback.evidence.line)].slice(0, max) };
}

/**
 * A wrapper's line (`error Command failed with exit code 1.` just under the wrapped command's output)
 * says more than step's last words without a failure word (a hook runner's summary line,
 * `🥊  prettier`): the wrapper stays the cause, next to what it wraps.
 */
function keepsWrapper(top: Hit | undefined, fallback: RootCause): boolean {
  const said = fallback.evidence.text;
  return !!top && WRAPPER.test(top.text) && !STRONG.test(said) && !SALIENT_WORD.test(said);
}

type Salient = LogFacts['salient'];

/**
 * The cause when no rule explains the failing step: the line just before its verdict when the log
 * states one (nearVerdict), else the classifier's best line; the category from the classifier
 * (script_error without one).
 */
function fallbackCause(
  hits: Hit[],
  facts: LogFacts,
  classifier: Classifier | null,
  inFailed: Salient,
  salient: Salient,
  nearOnly: boolean,
  abstainBelow: number,
  width: number,
): RootCause | null {
  const st = facts.structure;
  const pred = classifier?.predict(modelDocument(hits, facts)) ?? null;
  const tailNotPassed = facts.tail.filter((t) => regionOf(st, t.line) !== 'passed');
  const pool = salient.length ? salient : tailNotPassed.length ? tailNotPassed : facts.tail;
  let best = nearVerdict(inFailed, facts);
  let bestScore = -Infinity;
  if (!best && nearOnly) return null;
  // Below the threshold the classifier names no category and picks no line: the reader is sent to
  // the line the structure chose (the step's last words), else to the failing step's last line.
  if (pred && pred.confidence < abstainBelow) return unexplained(facts, Math.max(width, 5), best);
  if (!best && classifier && pred) {
    for (const l of pool) {
      const s = classifier.lineScore(l.text, pred.category);
      if (s > bestScore) {
        best = l;
        bestScore = s;
      }
    }
  }
  if (!best) return null;
  const tool = stepTool(st, best.line) ?? toolAround(facts, best.line);
  const msg = best.text.trim().slice(0, 500);
  const category = pred?.category ?? 'script_error';
  return {
    category,
    tool,
    pattern: msg.slice(0, 300),
    message: msg,
    suggestion:
      "No rule matched this failure; the evidence is the line nearest the failing step's end (or the one the classifier chose). Read it, and add a rule pack entry (--rules) if this failure recurs.",
    severity: 'warn',
    file: null,
    line: null,
    docs_uri: null,
    repro: facts.steps.length ? facts.steps[facts.steps.length - 1]!.command : null,
    evidence: { line: best.line, text: inSecret(facts, best.line) ? '[REDACTED:private-key]' : best.raw, before: [], after: [] },
    decided_by: classifier && pred ? { model: classifier.model.id, confidence: pred.confidence } : { rule_id: 'structure.failing-step' },
    signature: failureSignature(tool, category, msg),
  };
}

/**
 * The failing step's last lines: those before its failing verdict when the log states one, else the
 * log's last lines (runner markup and blank lines left out).
 */
function failingStepEnd(facts: LogFacts): Line[] {
  const v = failingOutcome(facts.structure);
  const ctx = v ? facts.verdictContext.find((c) => c.line === v.line) : undefined;
  const lines = ctx?.before.length ? ctx.before : facts.tail;
  const said = lines.filter((l) => l.text.trim() && !RUNNER_MARKUP.test(l.text.trim()));
  // A wrapper's lines (`npm ERR! Failed at the x script`, `make: *** [t] Error 1`) only pass the
  // failure on: the step's last words are the lines before them.
  const own = said.filter((l) => !WRAPPER.test(l.text) && !DEMOTE.test(l.text));
  return own.length ? own : said;
}

/**
 * The cause when the classifier is not confident enough (below abstainBelow): no category is
 * claimed (script_error, severity info), the reader is sent to a line (`at`, else the failing
 * step's last line), with the failing step's lines before it.
 */
function unexplained(facts: LogFacts, width: number, at: Line | undefined): RootCause | null {
  const end = failingStepEnd(facts);
  const last = at ?? end.at(-1);
  if (!last) return null;
  const before = end.filter((l) => l.line < last.line && l.line >= last.line - 2 * width);
  const tool = stepTool(facts.structure, last.line) ?? toolAround(facts, last.line);
  const msg = `unexplained — see line ${last.line}`;
  return {
    category: 'script_error',
    tool,
    pattern: '',
    message: msg,
    suggestion:
      "No rule matched and the classifier is not confident enough to name a cause: read the failing step's last lines shown here, and add a rule pack entry (--rules) if this failure recurs.",
    severity: 'info',
    file: null,
    line: null,
    docs_uri: null,
    repro: facts.steps.length ? facts.steps[facts.steps.length - 1]!.command : null,
    evidence: {
      line: last.line,
      text: inSecret(facts, last.line) ? '[REDACTED:private-key]' : last.raw,
      before: contextLines(facts, before.slice(-width)),
      after: [],
    },
    decided_by: { rule_id: UNEXPLAINED_ID },
    signature: failureSignature(tool, 'script_error', 'unexplained'),
  };
}

/** Scans and explains a stream (the offline and hub paths). */
export async function analyzeStream(input: AsyncIterable<Buffer | string> | Readable, rules: Rule[], opts: ExplainOptions): Promise<Explanation> {
  const { hits, facts } = await scanStream(input, rules);
  return explain(hits, facts, opts);
}

export function analyzeText(text: string, rules: Rule[], opts: ExplainOptions): Explanation {
  const { hits, facts } = scanText(text, rules);
  return explain(hits, facts, opts);
}

/** Redacts every string of the causes (what is printed or stored never carries a secret). */
export function redactCauses(causes: RootCause[], redactor: Redactor): RootCause[] {
  return causes.map((c) => redactor.redactValue(c).value);
}
