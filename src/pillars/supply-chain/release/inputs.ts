// Where the deploy gate's inputs come from: the run record (the store, a running hub, or a file),
// the files it names (only local ones: the gate runs offline, a remote URI is reported, not
// fetched), the compliance check stored for the release's commit, and the readiness gate.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { tableExists } from '../../../core/db/index.js';
import { CiError } from '../../../core/errors.js';
import { hubCall, readTarget } from '../../../core/hub-api.js';
import type { CliContext, GateResult } from '../../../core/registry.js';
import { readRecord } from '../../../core/runs/ingest.js';
import type { HubTarget } from '../../../core/upload.js';
import { repoApiPath } from '../../../core/upload.js';
import { parseJsonObject, readInputText } from '../io.js';
import type { StoredCompliance } from './checks.js';

export interface SourceOpts {
  run?: string;
  record?: string;
  db?: string;
  dataDir?: string;
  config?: string;
  hub?: string;
  token?: string;
}

const recordError = (message: string, where: string) => new CiError('E_USAGE', message, { where, hint: 'pass the pipeline_run record as JSON' });

export interface RecordFound {
  record: Record<string, unknown> | null;
  source: string;
  /** The folder relative URIs in the record are resolved against. */
  baseDir: string;
  compliance: StoredCompliance | null;
}

async function complianceFromStore(db: Kysely<unknown>, repo: string, commit: string): Promise<StoredCompliance | null> {
  if (!(await tableExists(db, 'policy_checks'))) return null;
  const r = (
    await sql<{ commit: string; checked_at: Date | string; errors: number; warnings: number }>`
      select commit, checked_at, errors, warnings from policy_checks where repo = ${repo.toLowerCase()} and commit = ${commit}
      order by checked_at desc limit 1`.execute(db)
  ).rows[0];
  return r ? { commit: r.commit, checked_at: new Date(r.checked_at).toISOString(), errors: Number(r.errors), warnings: Number(r.warnings) } : null;
}

async function complianceFromHub(target: HubTarget, repo: string, commit: string): Promise<StoredCompliance | null> {
  try {
    const r = await hubCall<{ checks?: StoredCompliance[] }>(target, `${repoApiPath(repo, 'policy-violations')}?state=open&since=2000-01-01`);
    const mine = (r.checks ?? []).filter((c) => c.commit === commit).sort((a, b) => (a.checked_at < b.checked_at ? 1 : -1))[0];
    return mine ? { commit: mine.commit, checked_at: mine.checked_at, errors: mine.errors, warnings: mine.warnings } : null;
  } catch (e) {
    // A hub without the compliance pillar has no such route: nothing stored.
    if (e instanceof CiError && e.code === 'E_NOT_FOUND') return null;
    throw e;
  }
}

const notFound = (run: string) =>
  new CiError('E_NOT_FOUND', `run ${run} has no stored record`, { where: '--run', hint: 'check the run id, or pass the record with --record' });

/** The record (and the compliance check of its commit) from --record, a running hub, or the store. */
export async function findRecord(ctx: CliContext, o: SourceOpts): Promise<RecordFound> {
  const fromFile = o.record ? parseJsonObject(readInputText(o.record), o.record, 'the record', recordError) : null;
  if (fromFile && o.run && fromFile.run_id !== o.run)
    throw new CiError('E_USAGE', `${o.record} is the record of run ${String(fromFile.run_id)}, not ${o.run}`, { where: '--record' });
  if (!o.run && !fromFile) return { record: null, source: 'no run record', baseDir: process.cwd(), compliance: null };
  const target = readTarget(o as Record<string, unknown>, ctx);
  const keyOf = (rec: Record<string, unknown>) =>
    typeof rec.repo === 'string' && typeof rec.commit_sha === 'string' ? { repo: rec.repo, commit: rec.commit_sha } : null;
  if (target) {
    const record = fromFile ?? (await hubCall<{ record: unknown }>(target, `/api/v1/runs/${encodeURIComponent(o.run!)}`).catch(rethrowNotFound(o.run!))).record;
    if (!record || typeof record !== 'object') throw notFound(o.run!);
    const key = keyOf(record as Record<string, unknown>);
    return {
      record: record as Record<string, unknown>,
      source: fromFile ? o.record! : `run ${o.run} on ${target.url}`,
      baseDir: fromFile ? path.dirname(path.resolve(o.record!)) : process.cwd(),
      compliance: key ? await complianceFromHub(target, key.repo, key.commit) : null,
    };
  }
  const hub = await ctx.openHub({ db: o.db, dataDir: o.dataDir, config: o.config });
  try {
    const record = fromFile ?? ((await readRecord(hub, o.run!)) as Record<string, unknown> | null);
    if (!record || typeof record !== 'object') throw notFound(o.run!);
    const key = keyOf(record);
    return {
      record,
      source: fromFile ? o.record! : `run ${o.run} in the store`,
      baseDir: fromFile ? path.dirname(path.resolve(o.record!)) : process.cwd(),
      compliance: key ? await complianceFromStore(hub.db as unknown as Kysely<unknown>, key.repo, key.commit) : null,
    };
  } finally {
    await hub.close();
  }
}

const rethrowNotFound = (run: string) => (e: unknown) => {
  if (e instanceof CiError && e.code === 'E_NOT_FOUND') throw notFound(run);
  throw e;
};

/**
 * A URI from the record as a local file: `file:` URLs and paths (relative to the record's folder);
 * anything else is reported, not fetched.
 */
export function localFile(uri: string | undefined, baseDir: string, option: string): { file?: string; why?: string } {
  if (!uri) return {};
  let file: string;
  if (uri.startsWith('file:')) file = fileURLToPath(uri);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(uri))
    return { why: `the record names ${uri}, which is not a local file (the gate runs offline and fetches nothing); pass ${option}` };
  else file = path.resolve(baseDir, uri);
  return existsSync(file) ? { file } : { why: `the record names ${uri}, but ${file} does not exist; pass ${option}` };
}

/** The readiness gate of the release's repository (the metrics pillar's, through the registry). */
export async function readiness(
  ctx: CliContext,
  o: SourceOpts & { minReadiness: number; allowIncomplete: boolean },
  repo: string | undefined,
): Promise<GateResult | { missing: string }> {
  if (!repo) return { missing: 'no run record: the release’s repository is unknown' };
  const gate = ctx.gates?.().find((g) => g.name === 'readiness');
  if (!gate) return { missing: 'the readiness gate is not available (the metrics pillar is not assembled)' };
  const store = { db: o.db, dataDir: o.dataDir, config: o.config, hub: o.hub, token: o.token };
  return gate.run([], { ...store, min: String(o.minReadiness), repo, ...(o.allowIncomplete ? { allowMissing: true } : {}) }, ctx);
}
