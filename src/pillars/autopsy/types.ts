// Types of the autopsy pillar (issue 4). The root cause itself is the domain type in core/model.
import type { FailureCategory, RootCause } from '../../core/model/index.js';
import type { LogStructure } from './structure.js';

export const CATEGORIES: readonly FailureCategory[] = [
  'test_failure',
  'test_timeout',
  'crash',
  'compile_error',
  'missing_module',
  'dependency_resolution',
  'integrity_mismatch',
  'network',
  'out_of_memory',
  'disk_full',
  'permission_denied',
  'infra_unavailable',
  'config_error',
  'lint_error',
  'toolchain_mismatch',
  'script_error',
  // Issue 21: faults a chaos trial injected (rules/chaos.yml).
  'chaos_injected',
] as const;

/** Tool names, as the corpus manifest spells them. */
export const TOOLS = [
  'pytest',
  'python',
  'jest',
  'vitest',
  'mocha',
  'node-test',
  'node',
  'tsc',
  'eslint',
  'prettier',
  'npm',
  'pnpm',
  'yarn',
  'cargo',
  'go',
  'javac',
  'java',
  'maven',
  'gradle',
  'docker',
  'terraform',
  'ansible',
  'curl',
  'git',
  'ssh',
  'gpg',
  'make',
  'aws',
  'shell',
  // Issue 21: ci-intel's own chaos runner (its marker lines).
  'ci-intel',
  // Issue 15: the ecosystems of rules/ecosystems.yml.
  'bundler',
  'busted',
  'cabal',
  'cmake',
  'cocoapods',
  'composer',
  'ctest',
  'dotnet',
  'ghc',
  'latex',
  'lein',
  'luacheck',
  'minitest',
  'mix',
  'pester',
  'php',
  'phpunit',
  'powershell',
  'prove',
  'r',
  'rebar3',
  'rspec',
  'rubocop',
  'sbt',
  'shellcheck',
  'swiftlint',
  'vim',
  'vint',
  'xcodebuild',
  // The Apple tools of rules/apple-dotnet.yml not named above.
  'jazzy',
  'swiftpm',
  // The front-end checkers of rules/web.yml.
  'awesome_bot',
  'hugo',
  'karma',
  'linkinator',
  'markdownlint',
  // Linters and type checkers of rules/lint.yml.
  'tslint',
  'stylelint',
  'jshint',
  'pylint',
  'mypy',
  'black',
  'cppcheck',
  // The PHP/Erlang/Ruby/Haskell shapes of rules/php-erlang-ruby.yml.
  'rake',
  'hspec',
  'hlint',
] as const;

export type Severity = 'info' | 'warn' | 'error';

/** A compiled matcher: built-in rules use JS RegExp, user rules a linear-time RE2 engine. */
export interface Matcher {
  /** Named groups of the first match, or null. */
  exec(text: string): { index: number; match: string; groups: Record<string, string | undefined> } | null;
  readonly source: string;
  readonly engine: 'js' | 're2';
  /** Case-insensitive (`flags: i`): the literals of `source` need not appear as written. */
  readonly ignoreCase: boolean;
}

/** One rule of a pack, in the seed's shape (`id`, `tool`, `match`, `hint`) plus what issue 4 adds. */
export interface Rule {
  id: string;
  /** A manifest tool name, or `*` for "the tool whose output surrounds the line". */
  tool: string;
  category: FailureCategory;
  match: Matcher;
  hint: string;
  severity: Severity;
  docs_uri: string | null;
  /** Higher wins when several rules fire; ties go to the earliest line (the first error). */
  priority: number;
  /** Where the rule came from (pack file). */
  pack: string;
  /** Built-in (reviewed JS regex) or user (RE2). */
  origin: 'builtin' | 'user';
}

/** A line that fired a rule, with the context the parsers read. */
export interface Hit {
  rule: Rule;
  /** 1-based line number. */
  line: number;
  raw: string;
  text: string;
  groups: Record<string, string | undefined>;
  matched: string;
  /** Normalized lines before/after (up to CONTEXT_WIDE each), nearest last / first. */
  before: Array<{ line: number; raw: string; text: string }>;
  after: Array<{ line: number; raw: string; text: string }>;
}

/** What the scan gathered about the log as a whole (tools seen, failing tests, the step command). */
export interface LogFacts {
  lines: number;
  bytes: number;
  /** Tool signals: tool → first and last line seen. */
  tools: Map<string, { first: number; last: number; count: number }>;
  /** GitHub Actions step commands (`##[group]Run ...`), with their line. */
  steps: Array<{ line: number; command: string }>;
  /** Failing tests named by the runners' summaries, by tool. */
  failingTests: FailingTest[];
  /** Parser state between lines (e.g. the jest suite file a `●` title belongs to). */
  state: Map<string, string>;
  /** The exit code the log states (`Process completed with exit code N`, `exit status N`...). */
  exitCode: number | null;
  /** Lines that look like errors although no rule fired (model input), capped. */
  salient: Array<{ line: number; raw: string; text: string }>;
  /** The last non-blank lines (raw + text), for the fallback when nothing else is known. */
  tail: Array<{ line: number; raw: string; text: string }>;
  /** Line ranges inside PEM private-key blocks: never shown, even as context. */
  secretRanges: Array<[number, number]>;
  /** Lines that fired at least one rule (counted even past the candidate cap). */
  hitLines: number;
  /** CI steps, sections and verdicts (structure.ts): where each line sits. */
  structure: LogStructure;
  /** The lines before the last failing step verdicts (`The command ... exited with 1`), oldest first. */
  verdictContext: Array<{ line: number; before: Array<{ line: number; raw: string; text: string }> }>;
}

/** A failing test as a runner names it (for the repro command). */
export interface FailingTest {
  tool: string;
  /** The runner's own id (`tests/x.py::test_y`, `TestX/sub`, `AppTest#adds`). */
  id: string;
  line: number;
  file?: string;
  /** Title or name as the runner's filter option takes it (`-t`, `-run`, `--tests`). */
  name?: string;
  /** Go package, JVM class. */
  pkg?: string;
}

export interface Analysis {
  log: string;
  failed: boolean;
  root_causes: RootCause[];
  /** Per-rule hit counts, for `--explain` and reclassify. */
  facts?: { lines: number; bytes: number; tools: string[]; exit_code: number | null };
}
