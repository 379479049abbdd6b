// policy_violations: what a check of one commit changes — new findings opened, seen ones touched,
// open ones the commit no longer has marked fixed in it. Text goes through the redactor first.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Redactor } from '../../core/redact/index.js';
import type { Finding } from './model.js';
import type { ComplianceDb, PolicyViolationsTable } from './tables.js';

export const fingerprintOf = (f: Pick<Finding, 'rule' | 'file' | 'message'>) =>
  createHash('sha256').update(`${f.rule}\0${f.file}\0${f.message}`).digest('hex').slice(0, 32);

export interface RecordSummary {
  opened: number;
  seen: number;
  fixed: number;
}

export async function recordViolations(
  db: ComplianceDb,
  redactor: Redactor,
  c: { repo: string; commit: string; at: Date; findings: Finding[] },
): Promise<RecordSummary> {
  const repo = c.repo.toLowerCase();
  const rows = new Map<string, Finding>();
  for (const f of c.findings) rows.set(fingerprintOf(f), f);
  return db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('policy_violations').select(['fingerprint', 'fixed_in']).where('repo', '=', repo).execute();
    const known = new Map(existing.map((e) => [e.fingerprint, e.fixed_in]));
    let opened = 0;
    let seen = 0;
    for (const [fp, f] of rows) {
      if (known.has(fp)) {
        seen++;
        await tx
          .updateTable('policy_violations')
          .set({ line: f.line, severity: f.severity, last_seen_commit: c.commit, last_seen_at: c.at, fixed_in: null, fixed_at: null })
          .where('repo', '=', repo)
          .where('fingerprint', '=', fp)
          .execute();
        continue;
      }
      opened++;
      const row: PolicyViolationsTable = {
        repo,
        fingerprint: fp,
        rule: f.rule,
        severity: f.severity,
        file: f.file,
        line: f.line,
        message: redactor.apply(f.message),
        first_seen_commit: c.commit,
        first_seen_at: c.at,
        last_seen_commit: c.commit,
        last_seen_at: c.at,
        fixed_in: null,
        fixed_at: null,
      };
      await tx.insertInto('policy_violations').values(row).execute();
    }
    const gone = [...known].filter(([fp, fixed]) => fixed === null && !rows.has(fp)).map(([fp]) => fp);
    if (gone.length)
      await tx
        .updateTable('policy_violations')
        .set({ fixed_in: c.commit, fixed_at: c.at })
        .where('repo', '=', repo)
        .where(sql<boolean>`fingerprint = any(${gone}::text[])`)
        .execute();
    return { opened, seen, fixed: gone.length };
  });
}

export async function listViolations(db: ComplianceDb, repo: string, opts: { open?: boolean } = {}): Promise<PolicyViolationsTable[]> {
  let q = db.selectFrom('policy_violations').selectAll().where('repo', '=', repo.toLowerCase());
  if (opts.open) q = q.where('fixed_in', 'is', null);
  return q.orderBy('file').orderBy('line').orderBy('rule').execute();
}
