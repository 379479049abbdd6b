// The compliance pillar's HTTP API: a commit's findings uploaded by `policy check --record --hub`
// (the NDJSON `policy check --json` prints), and the reads behind the Compliance page.
import { Type } from 'typebox';
import { payloadContract } from '../../core/contract/payload.js';
import { repoMatch } from '../../core/db/index.js';
import { sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { assertRepo, bodyStream, rawBodyScope, repoFromPath, repoRegexes, requirePrincipal } from '../../core/http/index.js';
import type { HubApp } from '../../core/http/types.js';
import { normalizeRepo } from '../../core/identity.js';
import { splitLines } from '../../core/lines.js';
import type { HubContext } from '../../core/registry.js';
import type { Finding, Severity } from './model.js';
import { checksOf, complianceSummary, listViolations, recordViolations } from './store.js';
import type { ComplianceTables } from './tables.js';

export interface FindingLineError {
  line: number;
  pointer: string;
  reason: string;
}

/** A finding line's contract: compliance_finding.schema.json, registered in the schema registry. */
export const findingContract = payloadContract('compliance_finding', '1.0.0', new URL('./compliance_finding.schema.json', import.meta.url));

/** One line of `policy check --json`, checked by its schema; the first problem (in field order) with its JSON pointer. */
export function parseFindingLine(text: string, no: number): Finding | FindingLineError {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { line: no, pointer: '', reason: `not JSON: ${(e as Error).message}` };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { line: no, pointer: '', reason: 'not a JSON object' };
  const [first] = findingContract.check(v);
  if (first) return { line: no, ...first };
  const o = v as Record<string, unknown>;
  return {
    rule: o.rule as string,
    severity: o.severity as Severity,
    file: o.file as string,
    line: o.line as number,
    ...(typeof o.column === 'number' ? { column: o.column } : {}),
    message: o.message as string,
    fix: typeof o.fix === 'string' ? o.fix : '',
  };
}

export function complianceRoutes(app: HubApp, ctx: HubContext): void {
  const db = () => ctx.db.withTables<ComplianceTables>();
  rawBodyScope(app, (scoped) => {
    scoped.post(
      '/api/v1/repos/:owner/:repo/policy-violations',
      {
        config: { scope: 'ingest' },
        schema: {
          summary:
            "Record a commit's compliance check: the findings of `policy check --json` (NDJSON); opens new violations, touches seen ones and closes those the commit no longer has",
          tags: ['compliance'],
          params: Type.Object({ owner: Type.String(), repo: Type.String() }),
          querystring: Type.Object({ commit: Type.String({ minLength: 4, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' }) }),
        },
      },
      async (req) => {
        const repo = repoFromPath(req.params);
        assertRepo(req, repo);
        const findings: Finding[] = [];
        const rejected: FindingLineError[] = [];
        for await (const l of splitLines(bodyStream(req, ctx.config.ingest.maxBodyBytes), { maxLineBytes: 64 * 1024 })) {
          if (l.tooLong) rejected.push({ line: l.no, pointer: '', reason: 'line over 64 KiB' });
          else if (l.text!.trim() !== '') {
            const f = parseFindingLine(l.text!, l.no);
            if ('reason' in f) rejected.push(f);
            else findings.push(f);
          }
        }
        if (rejected.length && !findings.length)
          throw new CiError('E_NOTHING_ACCEPTED', `none of the ${rejected.length} lines is a finding`, {
            hint: 'send the output of ci-intel policy check --json: one {rule, severity, file, line, message} object per line',
            details: { rejected: rejected.slice(0, 100) },
          });
        const s = await recordViolations(db(), ctx.redactor, { repo, commit: req.query.commit, at: ctx.now(), findings, markFixed: rejected.length === 0 });
        return { repo, commit: req.query.commit, accepted: findings.length, ...s, rejected: rejected.slice(0, 1000) };
      },
    );

    scoped.get(
      '/api/v1/compliance/summary',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Per repository: open policy violations by severity, violations fixed in the window, the oldest open one, the last recorded check',
          tags: ['compliance'],
          querystring: Type.Object({ since: Type.Optional(Type.String({ minLength: 1 })) }),
        },
      },
      async (req) => {
        const since = sinceInstant(req.query.since ?? '30d', ctx.now(), 'since');
        const res = repoRegexes(requirePrincipal(req));
        return { since: since.toISOString(), repos: await complianceSummary(db(), { since, repoFilter: res ? repoMatch(res) : null }) };
      },
    );

    scoped.get(
      '/api/v1/repos/:owner/:repo/policy-violations',
      {
        config: { scope: 'read' },
        schema: {
          summary:
            "A repository's policy violations (open, fixed within the window, or all) with first and last seen commit, and its recorded checks over the window (default 90 days)",
          tags: ['compliance'],
          params: Type.Object({ owner: Type.String(), repo: Type.String() }),
          querystring: Type.Object({
            state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('fixed'), Type.Literal('all')])),
            since: Type.Optional(Type.String({ minLength: 1 })),
          }),
        },
      },
      async (req) => {
        const repo = normalizeRepo(`${req.params.owner}/${req.params.repo}`);
        assertRepo(req, repo);
        const state = req.query.state ?? 'open';
        const since = sinceInstant(req.query.since ?? '90d', ctx.now(), 'since');
        // Fixed ones: those fixed within the window (the page's "fixed in the last 30 days").
        const rows = (await listViolations(db(), repo, { open: state === 'open' })).filter(
          (r) => state !== 'fixed' || (r.fixed_at !== null && new Date(r.fixed_at) >= since),
        );
        const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
        return {
          repo,
          state,
          violations: rows.map((r) => ({
            ...r,
            first_seen_at: iso(r.first_seen_at),
            last_seen_at: iso(r.last_seen_at),
            fixed_at: iso(r.fixed_at),
          })),
          checks: await checksOf(db(), repo, since),
        };
      },
    );
  });
}
