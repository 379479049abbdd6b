// Where the failure is (issue 15, deliverable 1): the log's structure, read on the lines the
// prefilter flags (its keywords include the markers below) — CI steps and sections (Travis `travis_time`/`travis_fold` markers and "The
// command ... exited with N", GitHub Actions `##[group]Run` steps and "Process completed with exit
// code N", GitLab `section_start`/`section_end`, Jenkins `[Pipeline]` stages and "script returned
// exit code"), and the tools' own verdicts (BUILD SUCCESS, `N passed in`, `test result: ok`, and
// their failing twins). From these every line gets a region: inside a step that failed, inside one
// that passed (set-up, or a step the build went on after), after the failure (after_failure, cache
// upload), or unknown (a plain log). analyze.ts ranks candidates by region as well as by rule
// priority: a line in a section that passed is never the top cause.
//
// Runner lines hold several markers separated by `\r` (`travis_fold:end:x\r\x1b[0Ktravis_time:start:y\r\x1b[0K$ make`),
// so each line is read piece by piece, escapes removed; normalizing would keep only the last piece.
import { toolOfCommand } from './parsers/index.js';

export type Region = 'failed' | 'passed' | 'after' | 'unknown';

interface Span {
  start: number;
  end: number | null;
  name: string;
  command: string | null;
}

export interface Outcome {
  line: number;
  ok: boolean;
  /** The exit code the line states, when it states one. */
  exit: number | null;
  /** The command the line names (`The command "make test" exited with 2.`). */
  command: string | null;
  /** The job's last word (`Done. Your build exited with 1.`, `Finished: FAILURE`, `ERROR: Job failed`): no step of its own. */
  final?: boolean;
}

/** What the structure pass gathered; `regionOf` answers per line once the log is read. */
export interface LogStructure {
  steps: Span[];
  folds: Span[];
  outcomes: Outcome[];
}

export function emptyStructure(): LogStructure {
  return { steps: [], folds: [], outcomes: [] };
}

// Bounded escape classes (as normalize.ts): linear.
const ANSI = /\x1b\[[0-9;?<=>!]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]/g;
// `gh run view --log` columns (job, step, then the raw line with its timestamp) and the timestamp.
const GH_COLUMNS = /^[^\t\n]*\t[^\t\n]*\t(?=\d{4}-\d\d-\d\dT)/;
const GHA_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;

/** The pieces of a raw line a terminal would overwrite one by one, escapes and prefixes removed. */
export function pieces(raw: string): string[] {
  const s = raw.includes('\x1b') ? raw.replace(ANSI, '') : raw;
  // Non-empty pieces only: a run of `\r` (progress bars) gives no piece, not one per character.
  const out: string[] = [];
  for (let from = 0; from <= s.length;) {
    let cr = s.indexOf('\r', from);
    if (cr < 0) cr = s.length;
    if (cr > from) out.push(s.slice(from, cr).replace(GH_COLUMNS, '').replace(GHA_TIMESTAMP, ''));
    from = cr + 1;
  }
  return out;
}

const TRAVIS_CMD = /^The command "(.*)" (?:failed and )?exited with (\d+)/;
/** The last line of a Travis verdict whose command spans several lines (`bash -c "` ... `" exited with 1.`). */
const TRAVIS_CMD_END = /" (?:failed and )?exited with (\d+)\.?\s*$/;
/** Lines a multi-line Travis command may span before its verdict line (longer: not a verdict). */
const COMMAND_SPAN = 200;
const EXIT_LINE =
  /^(?:##\[error\])?(?:Error: )?Process completed with exit code (\d+)|^ERROR: Job failed: exit (?:code|status) (\d+)|^ERROR: script returned exit code (\d+)|^Done\. Your build exited with (\d+)/;

/** A tool's or a runner's verdict on the lines before it: passed (true), failed (false), or none. */
export function verdict(p: string): Omit<Outcome, 'line'> | null {
  const t = TRAVIS_CMD.exec(p);
  if (t) return { ok: t[2] === '0', exit: Number(t[2]), command: t[1]! };
  const e = EXIT_LINE.exec(p);
  if (e) {
    const code = Number(e[1] ?? e[2] ?? e[3] ?? e[4]);
    return { ok: code === 0, exit: code, command: null, ...((e[2] ?? e[4]) ? { final: true } : {}) };
  }
  const v = toolVerdict(p) ?? runnerVerdict(p);
  if (v === null) return null;
  return { ok: v, exit: null, command: null, ...(p.startsWith('Finished: ') || p.startsWith('Job succeeded') ? { final: true } : {}) };
}

function toolVerdict(p: string): boolean | null {
  // Failing verdicts first: `1 failed, 3 passed` is a failure.
  if (/^(?:\[INFO\] )?BUILD FAILURE|^BUILD FAILED\b|^FAILURE: Build failed|^test result: FAILED|^Finished: (?:FAILURE|UNSTABLE|ABORTED)/.test(p)) return false;
  // (Mocha's `N passing` / `N failing` come before its failure report, so they are no verdict.)
  if (/^Tests:\s.*\b\d+ failed\b/.test(p) || /\b\d+ examples?, (?:[1-9]\d* failures?\b|\d+ failures?(?:, \d+ pending)?, [1-9]\d* errors? occurred)/.test(p))
    return false;
  if (p.startsWith('=') && / in [\d.]+m?s\b/.test(p) && /\b[1-9]\d* (?:failed|errors?)\b/.test(p)) return false;
  if (/^(?:\[INFO\] )?BUILD SUCCESS|^BUILD SUCCESSFUL\b|^test result: ok\.|^Finished: SUCCESS|^Job succeeded/.test(p)) return true;
  if (
    /^Tests:\s+(?:\d+ (?:skipped|todo), )*\d+ passed, \d+ total/.test(p) ||
    /^\s*\d+ passing \(/.test(p) ||
    /\b\d+ examples?, 0 failures\b(?!.* occurred outside)/.test(p)
  )
    return true;
  if (/^(?:\[INFO\] )?Tests run: \d+, Failures: 0, Errors: 0, Skipped: \d+\s*$/.test(p)) return true;
  if (p.startsWith('=') && / in [\d.]+m?s\b/.test(p) && /\b\d+ passed\b/.test(p) && !/\b\d+ (?:failed|errors?)\b/.test(p)) return true;
  return null;
}

/**
 * The verdicts of PHPUnit, Minitest, Common Test and rebar3 (issue 15: PHP, Ruby, Erlang). PHPUnit's
 * count line with only skipped, incomplete, risky tests or deprecations and notices (`OK, but
 * incomplete, skipped, or risky tests!` above it) passes: those fail a run only with --fail-on-risky
 * and the like, and a CI step's own failing exit line then says so; a count of warnings fails
 * PHPUnit 9 and not 10, so it is no verdict.
 */
function runnerVerdict(p: string): boolean | null {
  if (/^Tests: \d+, Assertions: \d+, (?:.*\b)?(?:Errors|Failures): [1-9]/.test(p)) return false;
  if (/^\d+ (?:runs|tests), \d+ assertions, (?:[1-9]\d* failures|\d+ failures, [1-9]\d* errors)/.test(p)) return false;
  if (
    /TEST COMPLETE, \d+ ok, [1-9]\d* failed\b/.test(p) ||
    /^Failed \d+ tests?\. Passed \d+ tests?\.\s*$/.test(p) ||
    /^\s*Failed: [1-9]\d*\.\s+Skipped: \d+\.\s+Passed: \d+\./.test(p)
  )
    return false;
  if (
    /^OK \(\d+ tests?, \d+ assertions?\)$/.test(p) ||
    /^Tests: \d+, Assertions: \d+(?:, (?:Skipped|Incomplete|Risky|Deprecations|Notices): \d+)+\.$/.test(p) ||
    /^\d+ (?:runs|tests), \d+ assertions, 0 failures, 0 errors\b/.test(p)
  )
    return true;
  if (/TEST COMPLETE, \d+ ok, 0 failed\b/.test(p) || /^\s*All \d+ tests passed\.\s*$/.test(p)) return true;
  return null;
}

/** Travis and GitLab sections that set the machine up, and those that run after the verdict. */
const SETUP =
  /^(?:worker_info|system_info|docker_mtu|resolvconf|git\.|cache\.1|rvm|nvm|pyenv|virtualenv|services|apt|hosts|ssh_known_hosts|fix\.|prepare_executor|prepare_script|get_sources|restore_cache|download_artifacts|resolve_secrets|install_|setup)/;
const AFTER = /^(?:after_failure|after_script|after_success|cache\.[2-9]|upload_artifacts|archive_cache|cleanup_file_variables|deploy)/;

/** Feeds the structure pass one flagged line. */
export class StructureReader {
  readonly s: LogStructure = emptyStructure();
  private openTravis = new Map<string, Span>();
  private openFolds = new Map<string, Span>();
  private awaitingCommand: Span | null = null;
  /** A Travis verdict whose command spans lines: `The command "bash -c "` seen, its `" exited with N.` line awaited. */
  private openVerdict: { line: number; command: string } | null = null;
  /** The verdict the last line added (its line may be an earlier one's: a multi-line Travis command). */
  added: Outcome | null = null;

  line(raw: string, no: number, ghaStep: string | null): void {
    if (ghaStep !== null) {
      const prev = this.s.steps.at(-1);
      if (prev && prev.end === null && prev.name === 'gha') prev.end = no - 1;
      this.s.steps.push({ start: no, end: null, name: 'gha', command: ghaStep });
    }
    for (const p of pieces(raw)) {
      if (p.startsWith('travis_time:start:')) {
        const span: Span = { start: no, end: null, name: 'travis', command: null };
        this.openTravis.set(p.slice(18, 26), span);
        this.s.steps.push(span);
        this.awaitingCommand = span;
      } else if (p.startsWith('travis_time:end:')) {
        const span = this.openTravis.get(p.slice(16, 24));
        if (span) span.end = no;
        this.openTravis.delete(p.slice(16, 24));
      } else if (p.startsWith('$ ') && this.awaitingCommand) {
        this.awaitingCommand.command = p.slice(2).trim();
        this.awaitingCommand = null;
      } else {
        // Travis `travis_fold:start:NAME`, GitLab `section_start:TIMESTAMP:NAME`.
        const fold = /^(?:travis_fold:|section_)(start|end):(?:\d+:)?([\w.-]+)/.exec(p) ?? /^\[Pipeline\] (?:\{ \((.+)\)|\/\/ (stage))$/.exec(p);
        if (fold) this.fold(fold, no);
        if (this.travisCommandLines(p, no)) continue;
        const v = verdict(p);
        if (v) this.s.outcomes.push((this.added = { line: no, ...v }));
        // Mocha prints `N passing (time)` then, when tests failed, `N failing` on the next lines:
        // the run did not pass.
        const last = this.s.outcomes.at(-1);
        if (!v && last?.ok && last.exit === null && no - last.line <= 3 && /^\s*[1-9]\d* failing\s*$/.test(p)) last.ok = false;
      }
    }
  }

  /**
   * Travis prints a multi-line command verbatim: `The command "bash -c "` on the step's end line, the
   * script's lines, then `" exited with 1.`. The verdict is recorded on the first line (where a
   * one-line verdict stands, the step's end) once the last is read. True when the piece was one of them.
   */
  private travisCommandLines(p: string, no: number): boolean {
    if (p.startsWith('The command "') && !TRAVIS_CMD.test(p)) {
      this.openVerdict = { line: no, command: p.slice(13) };
      return true;
    }
    const open = this.openVerdict;
    const end = open ? TRAVIS_CMD_END.exec(p) : null;
    if (!open || !end) return false;
    this.openVerdict = null;
    if (no - open.line > COMMAND_SPAN) return false;
    const o: Outcome = (this.added = { line: open.line, ok: end[1] === '0', exit: Number(end[1]), command: open.command.trim() });
    const at = this.s.outcomes.findIndex((x) => x.line > o.line);
    if (at < 0) this.s.outcomes.push(o);
    else this.s.outcomes.splice(at, 0, o);
    return true;
  }

  private fold(m: RegExpExecArray, no: number): void {
    if (m[1] === 'start' || m[1] === 'end') {
      const name = m[2]!;
      if (m[1] === 'start') {
        const span: Span = { start: no, end: null, name, command: null };
        this.openFolds.set(name, span);
        this.s.folds.push(span);
      } else {
        const span = this.openFolds.get(name);
        if (span) span.end = no;
        this.openFolds.delete(name);
      }
      return;
    }
    // Jenkins: `[Pipeline] { (Stage)` opens a stage, `[Pipeline] // stage` closes the last one.
    if (m[1] !== undefined) {
      const span: Span = { start: no, end: null, name: `stage:${m[1]}`, command: null };
      this.openFolds.set('jenkins-stage', span);
      this.s.folds.push(span);
    } else {
      const span = this.openFolds.get('jenkins-stage');
      if (span) span.end = no;
      this.openFolds.delete('jenkins-stage');
    }
  }
}

const within = (sp: Span, line: number) => line >= sp.start && (sp.end === null || line <= sp.end);

/** The innermost step holding a line (the latest started). */
export function stepAt(s: LogStructure, line: number): Span | null {
  let best: Span | null = null;
  for (const sp of s.steps) if (within(sp, line) && (!best || sp.start >= best.start)) best = sp;
  return best;
}

/**
 * The first verdict at or after a line. The job's last word speaks for a line only when no step's
 * failing verdict came before it (after that, the lines are what ran after the failure).
 */
export function nextOutcome(s: LogStructure, line: number): Outcome | null {
  for (const o of s.outcomes) {
    if (o.line < line) continue;
    if (o.final && s.outcomes.some((p) => isStepFailure(p) && p.line < line)) return null;
    return o;
  }
  return null;
}

/** Where a line sits: in a failed step, a passed one, after the failure, or unknown (a plain log). */
export function regionOf(s: LogStructure, line: number): Region {
  const step = stepAt(s, line);
  const next = nextOutcome(s, line);
  // Travis runs untimed set-up commands of its own between the timed steps (the language's
  // announcements: `$ java -version`, `$ lein version`, `$ node --version`); the job going on to a
  // timed step after one, with no verdict between, means it did not stop the job.
  const laterTimed = step ? undefined : s.steps.find((o) => o.name === 'travis' && o.start > line);
  if (laterTimed && !(next && next.line < laterTimed.start)) return 'passed';
  // The tool's or step's own verdict, when it comes before the step ends.
  if (next && (!step || step.end === null || next.line <= step.end + 1)) {
    const closesFold = s.folds.find((f) => within(f, line) && f.end !== null && f.end < next.line);
    if (!closesFold || !SETUP.test(closesFold.name)) {
      if (next.ok) return 'passed';
      // Inside an after_failure section, a later "exited with" verdict is not this line's.
      const after = s.folds.find((f) => within(f, line) && AFTER.test(f.name));
      return after ? 'after' : 'failed';
    }
  }
  for (const f of s.folds) {
    if (!within(f, line)) continue;
    if (AFTER.test(f.name)) return 'after';
    if (SETUP.test(f.name) && f.end !== null) return 'passed';
  }
  // A GitHub step the job went on after passed (a failing step ends the job). A Travis step without
  // a verdict of its own is left unknown: script blocks hold several timed commands.
  if (step && step.name === 'gha' && s.steps.some((o) => o.start > step.start)) return 'passed';
  // After a step's failing exit, lines are what ran after the failure; a tool's own verdict
  // (Maven's BUILD FAILURE) comes before its error report, so it opens no such region.
  const lastFail = [...s.outcomes].reverse().find(isStepFailure);
  if (lastFail && line > lastFail.line) return 'after';
  if (!step && s.steps.length && line < s.steps[0]!.start) return 'passed';
  return 'unknown';
}

/** A CI step's failing exit (`The command ... exited with 1`, `Process completed with exit code 1`), not the job's last word. */
export function isStepFailure(o: Outcome): boolean {
  return !o.ok && !o.final && o.exit !== null;
}

/** The failing step's verdict line (the last failing one), if the log states one. */
export function failingOutcome(s: LogStructure): Outcome | null {
  return [...s.outcomes].reverse().find((o) => !o.ok && o.exit !== null) ?? [...s.outcomes].reverse().find((o) => !o.ok) ?? null;
}

/** The tool of the step holding a line (the step's command), or of the command a verdict names. */
export function stepTool(s: LogStructure, line: number): string | null {
  const o = s.outcomes.find((x) => x.line === line && x.command);
  if (o?.command) return toolOfCommand(o.command);
  const step = stepAt(s, line) ?? [...s.steps].reverse().find((sp) => sp.start <= line && sp.command) ?? null;
  return step?.command ? toolOfCommand(step.command) : null;
}

/** The log states that every step passed: a passing verdict last, and no failing exit anywhere. */
export function statesPassed(s: LogStructure): boolean {
  const last = s.outcomes.at(-1);
  return !!last && last.ok && !s.outcomes.some((o) => !o.ok && o.exit !== null);
}
