// `serve --demo`: recorded compliance checks for the synthetic repositories, so the Compliance page
// and the readiness score's security part have a history to show — findings of the real rules'
// kinds appearing at some commits and fixed at later ones. Which findings a repository has, and
// when, comes from a hash of its name (not the shared RNG: the other pillars' demo data stays put).
import { createHash } from 'node:crypto';
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import type { Finding } from './model.js';
import { RULE_BY_ID } from './model.js';
import { recordViolations } from './store.js';
import type { ComplianceTables } from './tables.js';

const CHECKS = 8;

/** Findings as the rules word them (see rules/*.ts), one per kind a repository may have. */
const CATALOGUE: Omit<Finding, 'severity'>[] = [
  {
    rule: 'unpinned-action',
    file: '.github/workflows/ci.yml',
    line: 18,
    message: 'action actions/setup-node is pinned to "v4", which can be moved to other code',
    fix: 'pin it to a full commit SHA',
  },
  {
    rule: 'unpinned-action',
    file: '.github/workflows/release.yml',
    line: 22,
    message: 'action softprops/action-gh-release is pinned to "v2", which can be moved to other code',
    fix: 'pin it to a full commit SHA',
  },
  {
    rule: 'missing-permissions',
    file: '.github/workflows/release.yml',
    line: 9,
    message: 'this job uses the workflow token but neither it nor the workflow sets permissions',
    fix: 'add a permissions: block',
  },
  {
    rule: 'excessive-permissions',
    file: '.github/workflows/lint.yml',
    line: 7,
    message: 'contents: write is granted but nothing in the jobs inheriting it writes contents',
    fix: 'grant contents: read',
  },
  {
    rule: 'template-injection',
    file: '.github/workflows/triage.yml',
    line: 19,
    message: 'github.event.issue.title is controlled by whoever opens the issue or pull request, and is expanded into the shell script before it runs',
    fix: 'pass it through env:',
  },
  {
    rule: 'secret-in-command',
    file: '.github/workflows/deploy.yml',
    line: 31,
    message: 'a secret is expanded into the script text (it lands in the script file and in process lists)',
    fix: 'pass it through env:',
  },
  {
    rule: 'remote-script-exec',
    file: '.github/workflows/ci.yml',
    line: 27,
    message: 'a script is downloaded from https://sh.rustup.rs and run without checking it',
    fix: 'download, verify the checksum, then run',
  },
  {
    rule: 'unpinned-image',
    file: '.github/workflows/ci.yml',
    line: 12,
    message: 'service postgres image postgres:16 is not pinned by digest: the tag can be replaced',
    fix: 'pin it by digest',
  },
  {
    rule: 'long-lived-credentials',
    file: '.github/workflows/deploy.yml',
    line: 24,
    message: 'static AWS access keys are used instead of an OIDC role',
    fix: 'use OIDC',
  },
  {
    rule: 'license-not-allowed',
    file: 'package-lock.json',
    line: 412,
    message: 'node_modules/left-pad-gpl is licensed GPL-3.0-only, which is not on the allowlist',
    fix: 'replace the dependency or allow the licence',
  },
];

interface DemoCheck {
  repo: string;
  commit: string;
  at: string;
  findings: Finding[];
}

const h = (s: string) => createHash('sha256').update(s).digest();

export function synthCompliance(ctx: SynthContext): void {
  const out: DemoCheck[] = [];
  for (const repo of ctx.repos) {
    const commits = ctx.commits.filter((c) => c.repo === repo).sort((a, b) => (a.committed_at < b.committed_at ? -1 : 1));
    if (commits.length < CHECKS) continue;
    // Each catalogue entry: whether the repository has it, the check it appears at, the check fixing it.
    const life = CATALOGUE.map((f, i) => {
      const b = h(`${repo}\0${i}`);
      const has = b[0]! % 3 !== 0;
      const from = b[1]! % (CHECKS - 2);
      const until = b[2]! % 2 === 0 ? CHECKS : from + 1 + (b[3]! % (CHECKS - from - 1));
      return { f, has, from, until };
    });
    for (let k = 0; k < CHECKS; k++) {
      const c = commits[Math.floor(((k + 1) * (commits.length - 1)) / CHECKS)]!;
      const findings = life
        .filter((l) => l.has && l.from <= k && k < l.until)
        .map((l) => ({ ...l.f, severity: RULE_BY_ID.get(l.f.rule)?.severity ?? 'warning' }));
      out.push({ repo, commit: c.sha, at: c.committed_at, findings });
    }
  }
  ctx.extras.compliance = out;
}

export async function seedComplianceDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  const db = ctx.db.withTables<ComplianceTables>();
  for (const c of (extras as DemoCheck[]).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)))
    await recordViolations(db, ctx.redactor, { repo: c.repo, commit: c.commit, at: new Date(c.at), findings: c.findings });
}
