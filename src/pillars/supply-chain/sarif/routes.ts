// The hub's static analysis API: a commit's findings uploaded by `ci-intel sarif report --record
// --hub` (NDJSON of normalised findings, line hashes taken from the checkout) or a raw SARIF log
// (`curl --data-binary @x.sarif`; identity from the log's snippets and fingerprints), the issues
// with their state and suppressions, and suppressions made with a reason for at most 30 days.
import { sql } from 'kysely';
import { Type } from 'typebox';
import { payloadContract } from '../../../core/contract/payload.js';
import { CiError } from '../../../core/errors.js';
import { assertRepo, bodyStream, rawBodyParsers, repoFromPath } from '../../../core/http/index.js';
import { typed, type HubApp } from '../../../core/http/types.js';
import { splitLines } from '../../../core/lines.js';
import { untilInstant } from '../../../core/duration.js';
import type { HubContext } from '../../../core/registry.js';
import { piiHolds } from '../../../core/redact/pii.js';
import { MAX_SARIF_BYTES, readSarif, type SarifFinding, type Severity } from './normalize.js';
import { addSuppression, listSarifIssues, newSince, recordSarif, suppressionsOf } from './store.js';
import { MAX_SUPPRESSION_DAYS } from './suppressions.js';
import type { SarifTables } from './tables.js';

interface LineError {
  line: number;
  pointer: string;
  reason: string;
}
const MAX_TEXT = 4000;
/** A finding line's contract: sarif_finding.schema.json, registered in the schema registry. */
export const sarifFindingContract = payloadContract('sarif_finding', '1.0.0', new URL('./sarif_finding.schema.json', import.meta.url));

/** One NDJSON line of normalised findings, checked by its schema; the first problem (in field order) with its pointer. */
export function parseSarifFindingLine(text: string, no: number): SarifFinding | LineError {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { line: no, pointer: '', reason: `not JSON: ${(e as Error).message}` };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { line: no, pointer: '', reason: 'not a JSON object' };
  const [first] = sarifFindingContract.check(v);
  if (first) return { line: no, ...first };
  const o = v as Record<string, unknown>;
  const sup = o.suppressed as { justification: string } | undefined;
  return {
    tool: o.tool as string,
    tool_version: o.tool_version as string,
    rule_id: o.rule_id as string,
    cwes: o.cwes as number[],
    severity: o.severity as Severity,
    file: o.file as string,
    line: o.line as number,
    message: o.message as string,
    line_hash: o.line_hash as string,
    hash_from: o.hash_from as SarifFinding['hash_from'],
    ...(sup ? { suppressed: { justification: sup.justification.trim() } } : {}),
  };
}

/** The body of a suppression (`sarif suppress --hub`), in the schema registry as sarif_suppression_request. */
export const suppressionBody = Type.Object({
  issue_id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  reason: Type.String({ minLength: 3, maxLength: MAX_TEXT }),
  by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  expires: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
});

const repoParams = Type.Object({ owner: Type.String(), repo: Type.String() });
const commitQuery = Type.Object({ commit: Type.String({ minLength: 4, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' }) });
/** Route options of an upload of one commit's results (ingest scope, ?commit=). */
const commitUpload = (summary: string) => ({
  config: { scope: 'ingest' as const },
  schema: { summary, tags: ['supply-chain'], params: repoParams, querystring: commitQuery },
});

export function sarifRoutes(app: HubApp, ctx: HubContext): void {
  const db = () => ctx.db.withTables<SarifTables>();
  app.register(async (plain) => {
    const scoped = typed(plain);
    rawBodyParsers(scoped);
    scoped.post(
      '/api/v1/repos/:owner/:repo/sarif-findings',
      commitUpload(
        "Record a commit's static analysis findings as `ci-intel sarif report --record` sends them (NDJSON, one normalised finding per line): deduplicated into issues across tools and versions; what the commit no longer has is fixed in it",
      ),
      async (req) => {
        const repo = repoFromPath(req.params);
        assertRepo(req, repo);
        const findings: SarifFinding[] = [];
        const rejected: LineError[] = [];
        for await (const l of splitLines(bodyStream(req, ctx.config.ingest.maxBodyBytes), { maxLineBytes: 64 * 1024 })) {
          if (l.tooLong) rejected.push({ line: l.no, pointer: '', reason: 'line over 64 KiB' });
          else if (l.text!.trim() !== '') {
            const f = parseSarifFindingLine(l.text!, l.no);
            if ('reason' in f) rejected.push(f);
            else {
              // Every field is text people wrote: checked against the PII ban list before storage.
              const clean = ctx.redactor.redactValue(f);
              const first = clean.refused[0];
              if (first)
                rejected.push({
                  line: l.no,
                  pointer: first.pointer,
                  reason: `${piiHolds(ctx.redactor.pii, [first.rule])}: the finding is not stored; remove it at the source`,
                });
              else findings.push(clean.value);
            }
          }
        }
        if (rejected.length && !findings.length)
          throw new CiError('E_NOTHING_ACCEPTED', `none of the ${rejected.length} lines is a finding`, {
            hint: 'send what ci-intel sarif report --record sends, or POST the SARIF log itself to …/sarif',
            details: { rejected: rejected.slice(0, 100) },
          });
        const s = await recordSarif(db(), ctx.redactor, { repo, commit: req.query.commit, at: ctx.now(), findings, complete: rejected.length === 0 });
        return { repo, commit: req.query.commit, ...s, rejected: rejected.slice(0, 1000) };
      },
    );

    scoped.post(
      '/api/v1/repos/:owner/:repo/sarif',
      commitUpload(
        "Record a SARIF 2.1.0 log of a commit as the scanner wrote it; issues are identified by the log's snippets and fingerprints (the agent's upload, which reads line text from the checkout, recognises moved lines better)",
      ),
      async (req) => {
        const repo = repoFromPath(req.params);
        assertRepo(req, repo);
        const chunks: Buffer[] = [];
        for await (const c of bodyStream(req, MAX_SARIF_BYTES)) chunks.push(c as Buffer);
        const buf = Buffer.concat(chunks);
        if (buf.length === 0) throw new CiError('E_BODY_EMPTY', 'the request has no body', { hint: 'send the SARIF file as the body' });
        const findings = readSarif(buf, 'body', { root: '/nonexistent', source: () => null });
        const s = await recordSarif(db(), ctx.redactor, { repo, commit: req.query.commit, at: ctx.now(), findings, complete: true });
        return { repo, commit: req.query.commit, ...s, rejected: [] };
      },
    );
  });

  // JSON bodies: outside the raw-body scope above.
  const api = typed(app);
  api.post(
    '/api/v1/repos/:owner/:repo/sarif-suppressions',
    {
      config: { scope: 'ingest' },
      schema: {
        summary: `Suppress a static analysis issue: a reason is required and it expires at most ${MAX_SUPPRESSION_DAYS} days later; suppressions are kept as the audit trail`,
        tags: ['supply-chain'],
        params: repoParams,
        body: suppressionBody,
      },
    },
    async (req) => {
      const repo = repoFromPath(req.params);
      assertRepo(req, repo);
      const now = ctx.now();
      const expires = untilInstant(req.body.expires ?? `${MAX_SUPPRESSION_DAYS}d`, now, '/expires');
      const limit = now.getTime() + MAX_SUPPRESSION_DAYS * 86_400_000;
      if (expires.getTime() > limit || expires.getTime() <= now.getTime())
        throw new CiError('E_USAGE', `a suppression expires within ${MAX_SUPPRESSION_DAYS} days (asked: ${expires.toISOString().slice(0, 10)})`, {
          where: '/expires',
          hint: `give e.g. 14d or a date before ${new Date(limit).toISOString().slice(0, 10)}`,
        });
      const id = req.body.issue_id;
      const known = await db()
        .selectFrom('sarif_issues')
        .select('id')
        .where('repo', '=', repo.toLowerCase())
        .where(sql<boolean>`(id = ${id} or ${id} = any(keys))`)
        .executeTakeFirst();
      if (!known)
        throw new CiError('E_NOT_FOUND', `no issue ${req.body.issue_id} in ${repo}`, {
          where: '/issue_id',
          hint: 'use an id from GET …/sarif-issues or ci-intel sarif report',
        });
      const by = req.body.by ?? req.principal?.token_id ?? 'unknown';
      await addSuppression(db(), {
        repo,
        issue_id: req.body.issue_id,
        reason: ctx.redactor.apply(req.body.reason),
        created_by: by,
        created_at: now,
        expires_at: expires,
      });
      return { repo, issue_id: req.body.issue_id, reason: req.body.reason, by, created_at: now.toISOString(), expires_at: expires.toISOString() };
    },
  );

  api.get(
    '/api/v1/repos/:owner/:repo/sarif-issues',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          "A repository's static analysis issues (open, fixed or all; `commit` = those a commit's uploads contained; `base` with `commit` = only those the commit brought in), with tools, CWE ids, first/last seen and suppression, and the suppression audit trail",
        tags: ['supply-chain'],
        params: repoParams,
        querystring: Type.Object({
          state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('fixed'), Type.Literal('all')])),
          commit: Type.Optional(Type.String({ minLength: 4, maxLength: 64 })),
          base: Type.Optional(Type.String({ minLength: 4, maxLength: 64 })),
        }),
      },
    },
    async (req) => {
      const repo = repoFromPath(req.params);
      assertRepo(req, repo);
      const now = ctx.now();
      if (req.query.base && !req.query.commit)
        throw new CiError('E_USAGE', 'base needs commit', { where: 'query base', hint: 'give ?commit=HEAD_SHA&base=BASE_SHA' });
      const issues = req.query.base
        ? await newSince(db(), repo, req.query.base, req.query.commit!, now)
        : await listSarifIssues(db(), repo, { state: req.query.state ?? 'open', ...(req.query.commit ? { commit: req.query.commit } : {}), now });
      const iso = (d: Date | string) => new Date(d).toISOString();
      return {
        repo,
        issues,
        suppressions: (await suppressionsOf(db(), repo)).map(({ repo: _r, ...s }) => ({
          ...s,
          created_at: iso(s.created_at),
          expires_at: iso(s.expires_at),
        })),
      };
    },
  );
}
