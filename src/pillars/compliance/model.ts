// The findings `ci-intel policy check` reports, and the rule catalogue (ids are a contract: users
// suppress and gate on them, and SARIF consumers key alerts on them).

export type Severity = 'error' | 'warning' | 'note';

export interface Finding {
  rule: string;
  severity: Severity;
  /** Relative to the checked folder, with forward slashes. */
  file: string;
  line: number;
  column?: number;
  message: string;
  fix: string;
}

/** A file that could not be checked (malformed YAML, too big, outside the folder). */
export interface CheckProblem {
  file: string;
  line?: number;
  message: string;
}

export interface RuleInfo {
  id: string;
  severity: Severity;
  platform: 'github' | 'gitlab' | 'github+gitlab' | 'licenses';
  title: string;
}

export const RULES: RuleInfo[] = [
  { id: 'unpinned-action', severity: 'error', platform: 'github', title: 'An action or reusable workflow is not pinned to a full commit SHA' },
  { id: 'unpinned-image', severity: 'warning', platform: 'github', title: 'A job container or service image is not pinned by digest' },
  { id: 'excessive-permissions', severity: 'warning', platform: 'github', title: 'The workflow token gets more permissions than its jobs need' },
  { id: 'missing-permissions', severity: 'warning', platform: 'github', title: 'A job uses the workflow token with the default permissions' },
  { id: 'long-lived-credentials', severity: 'warning', platform: 'github+gitlab', title: 'Static cloud keys where short-lived OIDC credentials would do' },
  { id: 'secret-in-command', severity: 'error', platform: 'github+gitlab', title: 'A secret is expanded into a command line or printed' },
  { id: 'dangerous-trigger', severity: 'error', platform: 'github', title: 'A privileged trigger checks out and runs untrusted pull-request code' },
  { id: 'template-injection', severity: 'error', platform: 'github', title: 'Attacker-controlled text is expanded into a script' },
  { id: 'remote-script-exec', severity: 'warning', platform: 'github+gitlab', title: 'A script is downloaded and executed without verification' },
  { id: 'persist-credentials', severity: 'error', platform: 'github', title: 'An untrusted checkout keeps the workflow token on disk' },
  { id: 'self-hosted-public', severity: 'error', platform: 'github', title: 'A self-hosted runner can be reached from pull requests' },
  { id: 'gitlab-unpinned-image', severity: 'warning', platform: 'gitlab', title: 'A job image or service is not pinned by digest' },
  { id: 'gitlab-remote-include', severity: 'error', platform: 'gitlab', title: 'A remote include has no integrity hash' },
  { id: 'gitlab-plaintext-secret', severity: 'error', platform: 'gitlab', title: 'A secret is written in plain text in variables' },
  { id: 'license-not-allowed', severity: 'error', platform: 'licenses', title: 'A dependency licence is not on the allowlist' },
  { id: 'license-missing', severity: 'warning', platform: 'licenses', title: 'A dependency declares no licence' },
];

export const RULE_BY_ID = new Map(RULES.map((r) => [r.id, r]));

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/** Stable order: file, line, rule (then column, message) so outputs are diffable. */
export function sortFindings(fs: Finding[]): Finding[] {
  return [...fs].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/** One finding per rule, file and line: a construct is reported once, where it is written. */
export function dedupeFindings(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.rule}\0${f.file}\0${f.line}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
