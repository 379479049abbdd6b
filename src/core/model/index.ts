// The normalized domain model every parser produces and every analyzer reads (DESIGN.md
// "core/model"). Raw tool shapes never leave a parser's folder; cross-pillar data flows through
// these types and the domain tables. Names follow the seeds' vocabulary and the contract's
// snake_case field names.

/** Contract statuses plus the partial ones a webhook reports before a run ends. */
export type RunStatus = 'success' | 'failed' | 'canceled' | 'skipped' | 'queued' | 'in_progress';
export const FINAL_RUN_STATUSES = ['success', 'failed', 'canceled', 'skipped'] as const;

export type RunSource = 'ndjson' | 'github' | 'gitlab' | 'agent';

/** A CI run as the hub knows it (the `runs` table). */
export interface PipelineRunSummary {
  run_id: string;
  repo: string;
  workflow: string;
  commit_sha: string | null;
  branch: string | null;
  pr: number | null;
  status: RunStatus;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  queue_ms: number | null;
  environment: string | null;
  deployment_id: string | null;
  source: RunSource;
}

export interface Job {
  run_id: string;
  job_id: string;
  name: string;
  status: RunStatus;
  attempt: number;
  duration_ms: number | null;
  queue_ms: number | null;
}

// ---- tests (test reports) ----

export type TestStatus = 'passed' | 'failed' | 'errored' | 'skipped';

/** One execution of one test: retries are further attempts of the same id. */
export interface TestCase {
  /** Stable id: `<classname>::<name>` (JUnit), `<package>::<Test>/<sub>` (go), `<module path>::<test>` (libtest). */
  id: string;
  suite: string | null;
  classname: string | null;
  name: string;
  status: TestStatus;
  /** 1 for the first execution, 2.. for retries within one report. */
  attempt: number;
  duration_ms: number | null;
  message: string | null;
  file?: string | null;
  line?: number | null;
}

export interface TestRun {
  /** Report format detected or given (`junit`, `go-test-json`, `cargo-test-text`, `ctrf`, `tap`). */
  format: string;
  /** The runner/dialect when known (`pytest`, `jest`, `surefire` ...). */
  runner?: string | null;
  cases: TestCase[];
  duration_ms: number | null;
}

export interface TestCounts {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
}

// ---- coverage ----

export interface CoverageFile {
  file: string;
  lines: { covered: number; total: number };
  branches: { covered: number; total: number };
  statements: { covered: number; total: number };
  /** Line numbers that ran / did not run, when the format says (diff coverage needs them). */
  hit_lines?: number[];
  missed_lines?: number[];
}

export interface CoverageReport {
  format: string;
  files: CoverageFile[];
}

// ---- logs and autopsy ----

/** One line of a CI log after normalizing, with its raw text and 1-based line number. */
export interface LogLine {
  line: number;
  raw: string;
  text: string;
}

export type FailureCategory =
  | 'test_failure'
  | 'test_timeout'
  | 'crash'
  | 'compile_error'
  | 'missing_module'
  | 'dependency_resolution'
  | 'integrity_mismatch'
  | 'network'
  | 'out_of_memory'
  | 'disk_full'
  | 'permission_denied'
  | 'infra_unavailable'
  | 'config_error'
  | 'lint_error'
  | 'toolchain_mismatch'
  | 'script_error'
  /** A fault injected on purpose by a chaos trial (the chaos pillar's marker line). */
  | 'chaos_injected';

/** A root cause (the contract's autopsy.root_causes item, plus what the hub adds). */
export interface RootCause {
  category: FailureCategory;
  tool: string;
  pattern: string;
  message: string;
  suggestion: string;
  severity: 'info' | 'warn' | 'error';
  file: string | null;
  line: number | null;
  docs_uri: string | null;
  repro: string | null;
  evidence: { line: number; text: string; before: string[]; after: string[] };
  decided_by: { rule_id: string } | { model: string; confidence: number };
  signature: string;
}

// ---- mutation ----

export type MutantStatus = 'killed' | 'survived' | 'no_coverage' | 'timeout' | 'runtime_error' | 'compile_error' | 'ignored' | 'equivalent';

export interface Mutant {
  id: string;
  file: string;
  mutator: string;
  replacement: string | null;
  status: MutantStatus;
  start: { line: number; column: number };
  end: { line: number; column: number };
}

// ---- delivery ----

export interface Deployment {
  repo: string;
  environment: string;
  deployment_id: string;
  commit_sha: string | null;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  rollback_reason: string | null;
}

export interface Commit {
  repo: string;
  sha: string;
  parents: string[];
  authored_at: string | null;
  committed_at: string | null;
}
