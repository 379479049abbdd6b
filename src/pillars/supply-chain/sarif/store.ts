// The hub's static analysis record: each upload's findings deduplicated into issues and merged with
// the repository's known issues (across uploads, tools and tool versions), sightings per commit,
// what a commit fixed, and suppressions (reason required, at most 30 days, kept as the audit trail).
import type { Redactor } from '../../../core/redact/index.js';
import { dedupe, sameIssue, type SarifIssue } from './dedup.js';
import type { SarifFinding, Severity } from './normalize.js';
import { severityRank } from './normalize.js';
import { MAX_SUPPRESSION_DAYS } from './suppressions.js';
import type { SarifDb, SarifIssuesTable, SarifSuppressionsTable } from './tables.js';

const DAY_MS = 86_400_000;
const uniq = <T>(xs: T[]) => [...new Set(xs)].sort();
const asIssue = (r: SarifIssuesTable): SarifIssue => ({
  id: r.id,
  keys: r.keys,
  severity: r.severity as Severity,
  file: r.file,
  line: r.line,
  line_hash: r.line_hash,
  cwes: r.cwes,
  reports: r.reports,
  tools: r.tools,
  rules: r.rules,
  message: r.message,
});

export interface SarifRecordSummary {
  findings: number;
  issues: number;
  opened: number;
  seen: number;
  fixed: number;
}

/**
 * Records one upload of a commit. `complete` false (some lines refused) closes nothing: a partial
 * upload cannot say what the commit fixed.
 */
export async function recordSarif(
  db: SarifDb,
  redactor: Redactor,
  u: { repo: string; commit: string; at: Date; findings: SarifFinding[]; complete: boolean },
): Promise<SarifRecordSummary> {
  const repo = u.repo.toLowerCase();
  const incoming = dedupe(u.findings);
  return db.transaction().execute(async (tx) => {
    const known = (await tx.selectFrom('sarif_issues').selectAll().where('repo', '=', repo).execute()) as SarifIssuesTable[];
    // Only issues on the same line text can be the same flaw: look them up by line hash.
    const byLine = new Map<string, SarifIssuesTable[]>();
    for (const k of known) byLine.set(k.line_hash, [...(byLine.get(k.line_hash) ?? []), k]);
    let opened = 0;
    let seen = 0;
    const sighted = new Set<string>();
    for (const i of incoming) {
      const match = byLine.get(i.line_hash)?.find((k) => sameIssue(asIssue(k), i));
      if (match) {
        seen++;
        const worse = severityRank(i.severity) > severityRank(match.severity as Severity);
        Object.assign(match, {
          keys: uniq([...match.keys, ...i.keys]),
          tools: uniq([...match.tools, ...i.tools]),
          rules: uniq([...match.rules, ...i.rules]),
          reports: uniq([...match.reports, ...i.reports]),
          cwes: [...new Set([...match.cwes, ...i.cwes])].sort((a, b) => a - b),
          severity: worse ? i.severity : match.severity,
          message: worse ? redactor.apply(i.message) : match.message,
          line: i.line,
          source_justification: match.source_justification ?? (i.suppressed ? redactor.apply(i.suppressed.justification) : null),
          last_seen_commit: u.commit,
          last_seen_at: u.at,
          fixed_in: null,
          fixed_at: null,
        });
        const { repo: _r, id, ...set } = match;
        await tx.updateTable('sarif_issues').set(set).where('repo', '=', repo).where('id', '=', id).execute();
        sighted.add(id);
        continue;
      }
      opened++;
      const row: SarifIssuesTable = {
        repo,
        id: i.id,
        keys: i.keys,
        severity: i.severity,
        file: i.file,
        line: i.line,
        line_hash: i.line_hash,
        cwes: i.cwes,
        tools: i.tools,
        rules: i.rules,
        reports: i.reports,
        message: redactor.apply(i.message),
        source_justification: i.suppressed ? redactor.apply(i.suppressed.justification) : null,
        first_seen_commit: u.commit,
        first_seen_at: u.at,
        last_seen_commit: u.commit,
        last_seen_at: u.at,
        fixed_in: null,
        fixed_at: null,
      };
      await tx
        .insertInto('sarif_issues')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .execute();
      known.push(row);
      byLine.set(row.line_hash, [...(byLine.get(row.line_hash) ?? []), row]);
      sighted.add(i.id);
    }
    if (sighted.size)
      await tx
        .insertInto('sarif_sightings')
        .values([...sighted].map((issue_id) => ({ repo, commit: u.commit, issue_id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    const tools = new Map<string, { version: string; n: number }>();
    for (const f of u.findings) tools.set(f.tool, { version: f.tool_version, n: (tools.get(f.tool)?.n ?? 0) + 1 });
    if (tools.size)
      await tx
        .insertInto('sarif_uploads')
        .values([...tools].map(([tool, t]) => ({ repo, commit: u.commit, tool, tool_version: t.version, uploaded_at: u.at, findings: t.n })))
        .execute();
    let fixed = 0;
    if (u.complete) {
      // Fixed in this commit: open, not seen in any of its uploads, and every tool that ever reported
      // it has reported on this commit (a tool not run here says nothing about the issue).
      const reported = new Set(
        (await tx.selectFrom('sarif_uploads').select('tool').where('repo', '=', repo).where('commit', '=', u.commit).execute()).map((r) => r.tool),
      );
      const seenHere = new Set(
        (await tx.selectFrom('sarif_sightings').select('issue_id').where('repo', '=', repo).where('commit', '=', u.commit).execute()).map((r) => r.issue_id),
      );
      for (const k of known) {
        if (k.fixed_in !== null || seenHere.has(k.id) || !k.tools.every((t) => reported.has(t))) continue;
        await tx.updateTable('sarif_issues').set({ fixed_in: u.commit, fixed_at: u.at }).where('repo', '=', repo).where('id', '=', k.id).execute();
        fixed++;
      }
    }
    return { findings: u.findings.length, issues: incoming.length, opened, seen, fixed };
  });
}

export interface HubIssue extends Omit<SarifIssuesTable, 'repo' | 'first_seen_at' | 'last_seen_at' | 'fixed_at'> {
  first_seen_at: string;
  last_seen_at: string;
  fixed_at: string | null;
  suppression: { reason: string; by: string; expires_at: string; source: 'hub' | 'sarif'; active: boolean } | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The suppression that applies now: the latest hub one, else an in-source one for 30 days from first seen. */
function suppressionFor(row: SarifIssuesTable, sups: SarifSuppressionsTable[], now: Date): HubIssue['suppression'] {
  const mine = sups
    .filter((s) => s.issue_id === row.id || row.keys.includes(s.issue_id))
    .sort((a, b) => new Date(b.expires_at).getTime() - new Date(a.expires_at).getTime());
  const s = mine[0];
  if (s) return { reason: s.reason, by: s.created_by, expires_at: iso(s.expires_at)!, source: 'hub', active: new Date(s.expires_at).getTime() > now.getTime() };
  if (row.source_justification) {
    const expires = new Date(new Date(row.first_seen_at).getTime() + MAX_SUPPRESSION_DAYS * DAY_MS);
    return { reason: row.source_justification, by: '', expires_at: expires.toISOString(), source: 'sarif', active: expires.getTime() > now.getTime() };
  }
  return null;
}

/** A repository's issues: open, fixed, or all; `commit` narrows to those its uploads contained. */
export async function listSarifIssues(db: SarifDb, repo: string, q: { state: 'open' | 'fixed' | 'all'; commit?: string; now: Date }): Promise<HubIssue[]> {
  const r = repo.toLowerCase();
  let query = db.selectFrom('sarif_issues').selectAll().where('repo', '=', r);
  if (q.state === 'open') query = query.where('fixed_in', 'is', null);
  if (q.state === 'fixed') query = query.where('fixed_in', 'is not', null);
  if (q.commit) query = query.where('id', 'in', db.selectFrom('sarif_sightings').select('issue_id').where('repo', '=', r).where('commit', '=', q.commit));
  const rows = (await query.execute()) as SarifIssuesTable[];
  const sups = (await db.selectFrom('sarif_suppressions').selectAll().where('repo', '=', r).execute()) as SarifSuppressionsTable[];
  return rows
    .map(({ repo: _r, ...row }) => ({
      ...row,
      first_seen_at: iso(row.first_seen_at)!,
      last_seen_at: iso(row.last_seen_at)!,
      fixed_at: iso(row.fixed_at),
      suppression: suppressionFor({ repo: r, ...row }, sups, q.now),
    }))
    .sort(
      (a, b) =>
        severityRank(b.severity as Severity) - severityRank(a.severity as Severity) ||
        a.file.localeCompare(b.file) ||
        a.line - b.line ||
        a.id.localeCompare(b.id),
    );
}

/** Issues a commit's uploads contain that its base's do not (the newly introduced ones). */
export async function newSince(db: SarifDb, repo: string, base: string, head: string, now: Date): Promise<HubIssue[]> {
  const inBase = new Set(
    (await db.selectFrom('sarif_sightings').select('issue_id').where('repo', '=', repo.toLowerCase()).where('commit', '=', base).execute()).map(
      (r) => r.issue_id,
    ),
  );
  return (await listSarifIssues(db, repo, { state: 'all', commit: head, now })).filter((i) => !inBase.has(i.id));
}

/** Records a suppression made on the hub (the caller checked reason and expiry). */
export async function addSuppression(db: SarifDb, s: SarifSuppressionsTable): Promise<void> {
  await db
    .insertInto('sarif_suppressions')
    .values({ ...s, repo: s.repo.toLowerCase() })
    .execute();
}

export async function suppressionsOf(db: SarifDb, repo: string): Promise<SarifSuppressionsTable[]> {
  return (await db
    .selectFrom('sarif_suppressions')
    .selectAll()
    .where('repo', '=', repo.toLowerCase())
    .orderBy('created_at')
    .execute()) as SarifSuppressionsTable[];
}
