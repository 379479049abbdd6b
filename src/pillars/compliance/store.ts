// policy_violations: what a check of one commit changes — new findings opened, seen ones touched,
// open ones the commit no longer has marked fixed in it. Text goes through the redactor first.
import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
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
  c: { repo: string; commit: string; at: Date; findings: Finding[]; markFixed?: boolean },
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
    // A partial upload (some lines refused) cannot say what the commit fixed: nothing is closed then.
    const gone = c.markFixed === false ? [] : [...known].filter(([fp, fixed]) => fixed === null && !rows.has(fp)).map(([fp]) => fp);
    if (gone.length)
      await tx
        .updateTable('policy_violations')
        .set({ fixed_in: c.commit, fixed_at: c.at })
        .where('repo', '=', repo)
        .where(sql<boolean>`fingerprint = any(${gone}::text[])`)
        .execute();
    const count = (sev: string) => [...rows.values()].filter((f) => f.severity === sev).length;
    await tx
      .insertInto('policy_checks')
      .values({
        repo,
        commit: c.commit,
        checked_at: c.at,
        errors: count('error'),
        warnings: count('warning'),
        notes: count('note'),
        opened,
        fixed: gone.length,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return { opened, seen, fixed: gone.length };
  });
}

export async function listViolations(db: ComplianceDb, repo: string, opts: { open?: boolean } = {}): Promise<PolicyViolationsTable[]> {
  let q = db.selectFrom('policy_violations').selectAll().where('repo', '=', repo.toLowerCase());
  if (opts.open) q = q.where('fixed_in', 'is', null);
  return q.orderBy('file').orderBy('line').orderBy('rule').execute();
}

export interface RepoCompliance {
  repo: string;
  open_errors: number;
  open_warnings: number;
  open_notes: number;
  /** Violations closed within the window. */
  fixed_recently: number;
  oldest_open_at: string | null;
  last_checked_at: string;
  last_checked_commit: string;
}

/** Per repository: open violations by severity, fixed since `since`, the oldest open one, the last check. */
export async function complianceSummary(db: ComplianceDb, q: { since: Date; repoFilter?: RawBuilder<boolean> | null }): Promise<RepoCompliance[]> {
  const where = q.repoFilter ? sql`where ${q.repoFilter}` : sql``;
  const rows = await sql<{
    repo: string;
    open_errors: number | null;
    open_warnings: number | null;
    open_notes: number | null;
    fixed_recently: number | null;
    oldest_open_at: Date | string | null;
    last_checked_at: Date | string;
    last_checked_commit: string;
  }>`
    with last as (
      select distinct on (repo) repo, checked_at as last_checked_at, commit as last_checked_commit
      from policy_checks ${where} order by repo, checked_at desc, commit desc
    ), v as (
      select repo,
        count(*) filter (where fixed_in is null and severity = 'error')::int as open_errors,
        count(*) filter (where fixed_in is null and severity = 'warning')::int as open_warnings,
        count(*) filter (where fixed_in is null and severity = 'note')::int as open_notes,
        count(*) filter (where fixed_at >= ${q.since})::int as fixed_recently,
        min(first_seen_at) filter (where fixed_in is null) as oldest_open_at
      from policy_violations ${where} group by repo
    )
    select last.*, v.open_errors, v.open_warnings, v.open_notes, v.fixed_recently, v.oldest_open_at
    from last left join v using (repo) order by last.repo`.execute(db);
  const iso = (d: Date | string) => new Date(d).toISOString();
  return rows.rows.map((r) => ({
    repo: r.repo,
    open_errors: r.open_errors ?? 0,
    open_warnings: r.open_warnings ?? 0,
    open_notes: r.open_notes ?? 0,
    fixed_recently: r.fixed_recently ?? 0,
    oldest_open_at: r.oldest_open_at === null ? null : iso(r.oldest_open_at),
    last_checked_at: iso(r.last_checked_at),
    last_checked_commit: r.last_checked_commit,
  }));
}

/** The recorded checks of a repository, oldest first (the open-findings trend). */
export async function checksOf(db: ComplianceDb, repo: string, since: Date) {
  const rows = await db
    .selectFrom('policy_checks')
    .selectAll()
    .where('repo', '=', repo.toLowerCase())
    .where('checked_at', '>=', since)
    .orderBy('checked_at')
    .orderBy('commit')
    .execute();
  return rows.map((r) => ({ ...r, checked_at: new Date(r.checked_at).toISOString() }));
}
