// The hub keeps each run's Release Evidence Bundle (issue 18: "the hub serves it at the run's
// release_evidence_uri and shows it on the run page"): `evidence build --hub` uploads the file it
// wrote; the hub checks it (size cap, the run's repository against the token, the bundle's schema
// field by field, the run id) and redacts it before storing it; GET /api/v1/runs/:id/evidence
// serves it back, so a record's release_evidence_uri can be that URL. The bytes are kept as sent
// (re-serialized only when redaction changed a string), so a sha256 pinned on the URL stays true.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { CoreTables } from '../../../core/db/schema.js';
import type { Migration } from '../../../core/db/migrate.js';
import { CiError } from '../../../core/errors.js';
import { runUploadRoute } from '../../../core/http/commit-upload.js';
import { assertRunVisible } from '../../../core/http/index.js';
import type { HubApp } from '../../../core/http/types.js';
import type { HubContext } from '../../../core/registry.js';
import { checkEvidence } from './schema.js';

export type ReleaseEvidenceTable = {
  run_id: string;
  repo: string;
  sha256: string;
  bytes: number;
  uploaded_at: Date | string;
  body: string;
};
export type EvidenceTables = { release_evidence: ReleaseEvidenceTable };
type EvidenceDb = Kysely<CoreTables & EvidenceTables>;

export const evidenceMigrations: Migration[] = [
  {
    id: 'supply-chain-0003-release-evidence',
    up: `
create table release_evidence (
  run_id uuid primary key references runs (run_id) on delete cascade,
  repo text not null,
  sha256 text not null,
  bytes integer not null,
  uploaded_at timestamptz not null,
  body text not null
);
`,
  },
];

/** A bundle is a few kilobytes; the cap leaves room for many policies and checks, not for abuse. */
export const MAX_EVIDENCE_BYTES = 1024 * 1024;

/** Where the hub serves a run's bundle (the path a record's release_evidence_uri can name). */
export const evidencePath = (runId: string) => `/api/v1/runs/${runId}/evidence`;

const edb = (ctx: HubContext): EvidenceDb => ctx.db.withTables<EvidenceTables>();
const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Whether the record's release_evidence_uri names the hub's copy (its path, on any host) and, when
 * it pins a sha256 (`…#sha256=HEX` or `sha256:HEX`), whether the copy has it.
 */
export function evidenceLink(uri: string | null, runId: string, sha256: string): { points_here: boolean; pin: 'matches' | 'differs' | null } {
  if (!uri) return { points_here: false, pin: null };
  let pathname: string;
  try {
    pathname = new URL(uri, 'http://hub.invalid').pathname;
  } catch {
    return { points_here: false, pin: null };
  }
  const pinned = /sha256[:=]([0-9a-f]{64})/i.exec(uri)?.[1]?.toLowerCase();
  return {
    points_here: pathname.replace(/\/+$/, '').toLowerCase() === evidencePath(runId),
    pin: pinned ? (pinned === sha256 ? 'matches' : 'differs') : null,
  };
}

async function recordedUri(ctx: HubContext, runId: string): Promise<string | null> {
  const r = await ctx.db.selectFrom('runs').select('release_evidence_uri').where('run_id', '=', runId).executeTakeFirst();
  return r?.release_evidence_uri ?? null;
}

export function evidenceRoutes(app: HubApp, ctx: HubContext): void {
  runUploadRoute(
    app,
    ctx,
    {
      tail: 'evidence',
      summary:
        "Store a run's release evidence bundle as `ci-intel evidence build --hub` sends it (checked against the bundle's schema, redacted); GET serves it back",
      tag: 'supply-chain',
      maxBytes: MAX_EVIDENCE_BYTES,
    },
    async ({ run_id, repo, created, body }) => {
      const sent = body.toString('utf8');
      if (!sent.trim()) throw new CiError('E_BODY_EMPTY', 'the request has no body', { hint: 'send the evidence.json that ci-intel evidence build wrote' });
      const doc = checkEvidence(sent, run_id, 'body');
      const red = ctx.redactor.mightContainSecret(sent) ? ctx.redactor.redactValue(doc) : { value: doc, changed: false };
      const stored = red.changed ? `${JSON.stringify(red.value, null, 2)}\n` : sent;
      const row = { run_id, repo, sha256: sha256Of(stored), bytes: Buffer.byteLength(stored), uploaded_at: ctx.now(), body: stored };
      await edb(ctx)
        .insertInto('release_evidence')
        .values(row)
        .onConflict((oc) => oc.column('run_id').doUpdateSet({ sha256: row.sha256, bytes: row.bytes, uploaded_at: row.uploaded_at, body: row.body }))
        .execute();
      const uri = await recordedUri(ctx, run_id);
      const verification = doc.verification as { pass: boolean } | null;
      return {
        run_id,
        repo,
        created,
        uri: evidencePath(run_id),
        sha256: row.sha256,
        bytes: row.bytes,
        redacted: red.changed,
        verified: verification ? verification.pass : null,
        release_evidence_uri: uri,
        ...evidenceLink(uri, run_id, row.sha256),
      };
    },
  );

  app.get(
    '/api/v1/runs/:id/evidence',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A run's release evidence bundle as uploaded (JSON; the ETag is its sha256)",
        tags: ['supply-chain'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      },
    },
    async (req, reply) => {
      const id = req.params.id.toLowerCase();
      const run = await ctx.db.selectFrom('runs').select(['repo']).where('run_id', '=', id).executeTakeFirst();
      if (!run) throw new CiError('E_NOT_FOUND', `no run ${id}`);
      assertRunVisible(req, id, run.repo);
      const row = await edb(ctx).selectFrom('release_evidence').select(['sha256', 'body']).where('run_id', '=', id).executeTakeFirst();
      if (!row)
        throw new CiError('E_NOT_FOUND', `run ${id} has no release evidence bundle`, {
          hint: 'upload one: ci-intel evidence build --run ID --hub URL --token T',
        });
      return reply.header('content-type', 'application/json; charset=utf-8').header('etag', `"${row.sha256}"`).send(row.body);
    },
  );
}

/** What the run page shows (GET /api/v1/runs/:id → analyses["supply-chain"]): the stored bundle's checks, hashes and verdicts. */
export async function evidenceAnalysis(ctx: HubContext, runId: string): Promise<Record<string, unknown> | null> {
  const row = await edb(ctx).selectFrom('release_evidence').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!row) return null;
  const doc = JSON.parse(row.body) as Record<string, unknown>;
  const uri = await recordedUri(ctx, runId);
  return {
    evidence: {
      uri: evidencePath(runId),
      sha256: row.sha256,
      bytes: row.bytes,
      uploaded_at: new Date(row.uploaded_at).toISOString(),
      image_digest: doc.image_digest ?? null,
      verification: doc.verification ?? null,
      verify_policy: doc.verify_policy ?? null,
      sbom: doc.sbom ?? null,
      provenance: doc.provenance ?? null,
      signature: doc.signature ?? null,
      vex: doc.vex ?? [],
      rekor: doc.rekor ?? null,
      files: doc.files ?? [],
      release_evidence_uri: uri,
      ...evidenceLink(uri, runId, row.sha256),
    },
  };
}
