// One error class and one catalogue of stable codes (DESIGN.md "Conventions").
// Codes are never reused or renamed: clients and docs/errors.md key on them.
// Pillars add their codes here too (one catalogue, so two pillars cannot claim the same code).

export interface ErrorSpec {
  /** HTTP status the central error handler answers with. */
  status: number;
  /** CLI exit code: 2 usage / unreadable input, 1 a check found something. */
  exit: 1 | 2;
  /** One line for docs/errors.md: when it happens. */
  summary: string;
}

export const ERRORS = {
  E_USAGE: { status: 400, exit: 2, summary: 'A command or request was called with missing or invalid arguments.' },
  E_CONFIG_INVALID: { status: 500, exit: 2, summary: 'A setting (flag, environment variable or ci-intel.yml) is invalid.' },
  E_INPUT_UNREADABLE: { status: 400, exit: 2, summary: 'An input file or stream cannot be read.' },
  E_NOT_FOUND: { status: 404, exit: 2, summary: 'The requested object does not exist.' },
  E_BODY_EMPTY: { status: 400, exit: 2, summary: 'The request body is empty.' },
  E_BODY_INCOMPLETE: { status: 400, exit: 2, summary: 'The client went away before its request body was complete.' },
  E_BODY_TOO_LARGE: { status: 413, exit: 2, summary: 'The request body (after decompression) is over the size cap.' },
  E_LINE_TOO_LONG: { status: 413, exit: 2, summary: 'One NDJSON line is over the per-line cap (16 MiB).' },
  E_JSON_MALFORMED: { status: 400, exit: 2, summary: 'A line is not valid JSON.' },
  E_CONTRACT_INVALID: { status: 400, exit: 1, summary: 'A record does not satisfy the pipeline_run JSON Schema.' },
  E_SCHEMA_UNKNOWN: { status: 400, exit: 1, summary: 'A record names a schema version this hub does not accept.' },
  E_VALUE_UNSTORABLE: { status: 400, exit: 1, summary: "A value of a record cannot be stored: a NUL character, or a number out of its column's range." },
  E_PII_REFUSED: {
    status: 400,
    exit: 1,
    summary: 'A record, log line or finding holds personal data a PII pattern of policy reject (redact.pii) refuses; it is not stored.',
  },
  E_RUN_OTHER_REPO: { status: 400, exit: 1, summary: "A record's run id belongs to a run of another repository; a run never changes repository." },
  E_RUN_ID_UNPROVEN: { status: 403, exit: 2, summary: "An upload would create a provider run's id without the provider run it comes from (run-id squatting)." },
  E_NOTHING_ACCEPTED: { status: 400, exit: 1, summary: 'No record of the batch could be accepted.' },
  E_UNSUPPORTED_ENCODING: { status: 415, exit: 2, summary: 'The request uses a Content-Encoding other than identity or gzip.' },
  E_GZIP_INVALID: { status: 400, exit: 2, summary: 'The gzip body is corrupt or truncated.' },
  E_AUTH_REQUIRED: { status: 401, exit: 2, summary: 'No token was sent, or the token is unknown.' },
  E_TOKEN_EXPIRED: { status: 401, exit: 2, summary: 'The token has expired.' },
  E_TOKEN_REVOKED: { status: 401, exit: 2, summary: 'The token was revoked.' },
  E_FORBIDDEN_SCOPE: { status: 403, exit: 2, summary: 'The token lacks the scope this request needs.' },
  E_FORBIDDEN_REPO: { status: 403, exit: 2, summary: 'The token is not valid for the repository (or any repository of the batch).' },
  E_FORBIDDEN_GRANT: { status: 403, exit: 2, summary: 'An admin token tried to give a token more repositories or scopes than it has itself.' },
  E_SIGN_IN_NOT_CONFIGURED: { status: 404, exit: 2, summary: 'Dashboard sign-in was asked for, but no provider is configured (auth.oidc).' },
  E_SIGN_IN_FAILED: { status: 401, exit: 2, summary: 'A sign-in did not complete: the provider refused it, or its answer could not be verified.' },
  E_NO_TEAM: { status: 403, exit: 2, summary: 'A signed-in user belongs to no team, so there is nothing they may see.' },
  E_SESSION_EXPIRED: { status: 401, exit: 2, summary: 'The dashboard session has expired or was ended; sign in again.' },
  E_PORT_IN_USE: { status: 500, exit: 2, summary: 'The port `serve` should listen on is taken by another process.' },
  E_DISK_FULL: { status: 503, exit: 2, summary: 'The hub keeps a minimum of free disk space and refuses writes below it; retry later.' },
  E_DB_LOCKED: { status: 503, exit: 2, summary: 'The embedded PGlite data folder is in use by another process (a running hub: read through it with --hub).' },
  E_DB_UNAVAILABLE: { status: 503, exit: 2, summary: 'The database cannot be opened or reached.' },
  E_MIGRATION_FAILED: { status: 500, exit: 2, summary: 'A database migration failed; the store was left at the previous version.' },
  E_BLOB_UNAVAILABLE: { status: 503, exit: 2, summary: 'The object store cannot be read or written.' },
  E_PATH_TRAVERSAL: { status: 400, exit: 2, summary: 'A key or path tries to leave its folder.' },
  E_HUB_UNREACHABLE: { status: 502, exit: 2, summary: 'The agent could not reach the hub (the local analysis is still printed).' },
  E_HUB_REJECTED: { status: 502, exit: 2, summary: 'The hub refused the upload.' },
  E_GATE_FAILED: { status: 422, exit: 1, summary: 'A quality gate failed.' },
  E_RATE_LIMITED: { status: 429, exit: 2, summary: 'Too many requests; retry after the time the Retry-After header gives.' },
  E_WEBHOOK_NOT_CONFIGURED: {
    status: 503,
    exit: 2,
    summary: 'A webhook arrived but its secret (GITHUB_WEBHOOK_SECRET / GITLAB_WEBHOOK_TOKEN) is not configured.',
  },
  E_WEBHOOK_SIGNATURE: { status: 401, exit: 2, summary: 'A webhook is unsigned, or its signature or token does not match the configured secret.' },
  E_IDEMPOTENCY_IN_PROGRESS: { status: 409, exit: 2, summary: 'An upload with the same Idempotency-Key is still being processed; retry shortly.' },
  E_GIT_FAILED: { status: 500, exit: 2, summary: 'A git command the CLI runs (e.g. git log for commits upload) failed.' },
  E_PROVIDER_API: { status: 502, exit: 2, summary: 'The GitHub or GitLab REST API answered with an error during a backfill.' },
  E_RULES_INVALID: { status: 400, exit: 2, summary: 'An autopsy rule pack is not valid YAML or a rule is malformed (file:line and field named).' },
  E_MODEL_INVALID: { status: 500, exit: 2, summary: 'The autopsy classifier model file is missing or malformed.' },
  E_MANIFEST_INVALID: { status: 400, exit: 2, summary: 'An autopsy eval/train manifest line is malformed (file:line named).' },
  E_GITHUB_FAILED: { status: 502, exit: 2, summary: 'The GitHub REST API refused or failed a request (issues, pull-request comments, check runs, labels).' },
  E_GITLAB_FAILED: {
    status: 502,
    exit: 2,
    summary: 'The GitLab REST API refused or failed a request (merge-request notes, commit statuses, labels, ChatOps actions).',
  },
  E_GITHUB_APP: { status: 500, exit: 2, summary: 'The GitHub App settings are incomplete or its private key cannot be read or used.' },
  E_INTERNAL: { status: 500, exit: 2, summary: 'An unexpected error; the hub logged it with its request id.' },
  // cache pillar (issue 7)
  E_REQUEST_TIMEOUT: { status: 408, exit: 2, summary: 'The client sent its request body too slowly and the server dropped it.' },
  E_CACHE_DIGEST_MISMATCH: { status: 400, exit: 2, summary: 'A content-addressed upload (Bazel CAS) does not hash to its key.' },
  E_CACHE_FORBIDDEN_NAMESPACE: { status: 403, exit: 2, summary: 'The cache token is valid, but not for this cache namespace.' },
  // tests pillar (issue 5)
  E_REPORT_MALFORMED: {
    status: 400,
    exit: 2,
    summary: 'A test or coverage report is not well-formed for its format (the message names file:line or the JSON pointer).',
  },
  E_REPORT_UNSAFE: {
    status: 400,
    exit: 2,
    summary: 'An XML report declares entities or an external DTD (XXE, billion laughs); it is refused, never expanded.',
  },
  E_FORMAT_UNKNOWN: { status: 400, exit: 2, summary: 'The format of a test or coverage report cannot be detected; pass --format.' },
  // metrics pillar (issue 8)
  E_REPORT_INVALID: { status: 400, exit: 2, summary: 'A SARIF or ESLint JSON report cannot be read (the JSON pointer says where).' },
  E_DIGEST_POST_FAILED: { status: 502, exit: 2, summary: 'The weekly digest could not be posted to the configured webhook URL.' },
  // mutation pillar (issue 6)
  E_MUTATION_REPORT_INVALID: {
    status: 400,
    exit: 2,
    summary: "A mutation report is malformed or does not follow its tool's format (mutation-testing-report-schema, PIT XML, ...).",
  },
  E_MUTATION_FORMAT_UNKNOWN: { status: 400, exit: 2, summary: 'The mutation tool that wrote a report cannot be recognized; pass --format.' },
  E_MUTATION_RUN_FAILED: { status: 500, exit: 2, summary: 'StrykerJS could not run on the project (missing runner plugin, failing initial test run ...).' },
  E_POLICY_INVALID: {
    status: 400,
    exit: 2,
    summary: 'A policy file is not valid YAML, or a policy has no id or a malformed CEL expression (file and policy named).',
  },
  E_SUPPRESSIONS_INVALID: {
    status: 400,
    exit: 2,
    summary: 'A suppression file (equivalent mutants, static analysis issues) is malformed; the JSON pointer says which entry.',
  },
  // supply-chain pillar (issue 18)
  E_SBOM_INVALID: { status: 400, exit: 2, summary: 'An SBOM is malformed or not CycloneDX 1.4–1.6 / SPDX 2.3 (the JSON pointer or file:line says where).' },
  E_ADVISORIES_INVALID: {
    status: 400,
    exit: 2,
    summary: 'A vulnerability report (Grype, OSV-scanner, npm audit --json) is malformed or of an unknown tool (the JSON pointer says where).',
  },
  E_BUNDLE_INVALID: {
    status: 400,
    exit: 2,
    summary: 'A Sigstore bundle is malformed: no certificate, no signature, or fields of the wrong shape (the JSON pointer says where).',
  },
  E_TRUST_ROOT_INVALID: {
    status: 400,
    exit: 2,
    summary: 'A Sigstore trusted root (trusted_root.json) is malformed or has no authority or log (the JSON pointer says where).',
  },
  E_EVIDENCE_INVALID: { status: 400, exit: 2, summary: 'A release evidence bundle is malformed or of another schema (the JSON pointer says where).' },
  E_VEX_INVALID: { status: 400, exit: 2, summary: 'A VEX document (OpenVEX or CycloneDX VEX) is malformed (the JSON pointer says where).' },
  // datalab pillar (issue 23)
  E_DATALAB_NO_POSTGRES: { status: 500, exit: 2, summary: 'The PostgreSQL server binaries (initdb, pg_ctl, postgres) a data lab runs on were not found.' },
  E_DATALAB_FAILED: { status: 500, exit: 2, summary: 'A PostgreSQL tool or statement a data lab runs failed (its message is quoted).' },
  E_DATALAB_SEED: {
    status: 400,
    exit: 2,
    summary: 'Rows could not be generated for a schema: an unsupported column type, or a constraint no generated row satisfied (table and column named).',
  },
  // replay pillar (issue 23)
  E_REPLAY_INVALID: {
    status: 400,
    exit: 2,
    summary: 'A Terraform plan/apply/state JSON or an Ansible JSON callback output is malformed (file and JSON pointer named).',
  },
  // determinism pillar (issue 20)
  E_ARCHIVE_UNSAFE: {
    status: 400,
    exit: 2,
    summary: 'An archive being compared or normalised has an entry that points outside it, or expands past the size caps (a decompression bomb).',
  },
  E_ARCHIVE_MALFORMED: {
    status: 400,
    exit: 2,
    summary: 'An archive or binary being compared or normalised is corrupt or truncated (the layer and entry are named).',
  },
  E_CHAOS_REFUSED: {
    status: 403,
    exit: 2,
    summary: 'A fault outside the fault allowlist (or a heavy fault in a pull-request run) was asked for; nothing was injected.',
  },
  E_CHAOS_TRIAL_INVALID: {
    status: 400,
    exit: 2,
    summary: 'A chaos trial or resilience report (an upload, a gate input, a chaos plan) is malformed; the file:line or JSON pointer says where.',
  },
  E_COLLECTOR_UNREACHABLE: { status: 502, exit: 1, summary: 'The OpenTelemetry collector kept refusing or failing trace exports (the runs stay queued).' },
  E_SQL_SYNTAX: { status: 400, exit: 2, summary: 'A self-service SQL query does not parse (the character is named).' },
  E_SQL_REFUSED: {
    status: 403,
    exit: 2,
    summary:
      'A self-service SQL query does more than read the sql_* views: a write, several statements, SET/RESET, COPY, a function or table outside the allowlist.',
  },
  E_SQL_TOO_COSTLY: { status: 400, exit: 2, summary: "A self-service SQL query's planned cost is over the cap (sql.maxCost); nothing ran." },
  E_SQL_TIMEOUT: { status: 400, exit: 2, summary: 'A self-service SQL query ran past the statement timeout (sql.timeoutMs) and was cancelled.' },
  E_SQL_FAILED: { status: 400, exit: 2, summary: 'PostgreSQL refused a self-service SQL query (an unknown column, a type mismatch …); its message says why.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface CiErrorOptions {
  /** Where: file:line, JSON pointer, header name ... */
  where?: string;
  /** What to do about it. */
  hint?: string;
  /** Extra machine-readable details for the API body. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error class. Its message says what; `where` and `hint` say where and what to do. */
export class CiError extends Error {
  readonly code: ErrorCode;
  readonly where?: string;
  readonly hint?: string;
  details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: CiErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CiError';
    this.code = code;
    this.where = opts.where;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get exitCode(): 1 | 2 {
    return ERRORS[this.code].exit;
  }

  /** One line for a terminal: `E_CODE: where: message (hint)`. */
  oneLine(): string {
    const where = this.where ? `${this.where}: ` : '';
    const hint = this.hint ? ` — ${this.hint}` : '';
    return `${this.code}: ${where}${this.message}${hint}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.where ? { where: this.where } : {}),
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isCiError(e: unknown): e is CiError {
  return e instanceof CiError;
}
