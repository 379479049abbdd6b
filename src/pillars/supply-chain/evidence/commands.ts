// CLI: `ci-intel evidence build|verify` — the Release Evidence Bundle written from a run and the
// release's files, and re-checked offline.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { collect, examples, storeOptions } from '../../../core/cli.js';
import { CiError } from '../../../core/errors.js';
import type { CliContext } from '../../../core/registry.js';
import { hubCall } from '../../../core/hub-api.js';
import { readRecord } from '../../../core/runs/ingest.js';
import { hubTarget, uploadToHub, type HubTarget } from '../../../core/upload.js';
import { parseJsonObject, readInputText } from '../io.js';
import type { Kysely } from 'kysely';
import { buildEvidence, verifyEvidence, writeEvidence, type EvidenceInputs } from './bundle.js';
import { deliveryEvidence } from './delivery.js';
import { hubReproducible, storedReproducible, type EvidenceReproducible } from './reproducible.js';
import { evidencePath } from './hub.js';

type BuildOpts = Pick<EvidenceInputs, 'artifact' | 'sbom' | 'bundle' | 'provenance' | 'vex' | 'trustedRoot' | 'sourceUri' | 'builderId'> & {
  run: string;
  record?: string;
  out: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
  db?: string;
  dataDir?: string;
  config?: string;
  hub?: string;
  token?: string;
  json?: boolean;
};

const recordError = (message: string, where: string) => new CiError('E_USAGE', message, { where, hint: 'pass the pipeline_run record as JSON' });

/** The run's stored record, and the canary judgement and DR drill the store holds for its release. */
async function storedRecord(
  ctx: CliContext,
  o: BuildOpts,
): Promise<{ record: Record<string, unknown>; delivery: Awaited<ReturnType<typeof deliveryEvidence>>; reproducible: EvidenceReproducible }> {
  const hub = await ctx.openHub({ db: o.db, dataDir: o.dataDir, config: o.config });
  try {
    const rec = await readRecord(hub, o.run);
    if (!rec || typeof rec !== 'object')
      throw new CiError('E_NOT_FOUND', `run ${o.run} has no stored record`, { where: '--run', hint: 'check the run id, or pass the record with --record' });
    const record = rec as Record<string, unknown>;
    const db = hub.db as unknown as Kysely<unknown>;
    return { record, delivery: await deliveryEvidence(db, record), reproducible: await storedReproducible(db, record) };
  } finally {
    await hub.close();
  }
}

/** The run's record through the hub's API (the store is the hub's, and the hub may hold it open). */
async function hubRecord(target: HubTarget, run: string): Promise<Record<string, unknown>> {
  const r = await hubCall<{ record?: unknown }>(target, `/api/v1/runs/${encodeURIComponent(run)}`);
  if (!r.record || typeof r.record !== 'object')
    throw new CiError('E_NOT_FOUND', `run ${run} has no stored record on ${target.url}`, {
      where: '--run',
      hint: 'check the run id, or pass the record with --record',
    });
  return r.record as Record<string, unknown>;
}

/**
 * Sends the bundle as written to the run's evidence route; says where it is served and whether the
 * record's release_evidence_uri names it (the seed's contract wants it named for staging/prod).
 */
async function uploadEvidence(ctx: CliContext, target: HubTarget, run: string, out: string, record: Record<string, unknown>): Promise<void> {
  const headers: Record<string, string> = {};
  // So the hub can create the run on first upload when its record has not arrived yet.
  if (typeof record.repo === 'string') headers['x-ci-intel-repo'] = record.repo;
  if (typeof record.commit_sha === 'string') headers['x-ci-intel-commit'] = record.commit_sha;
  const res = await uploadToHub(target, { path: evidencePath(run), body: readFileSync(out), contentType: 'application/json', headers });
  const a = res.body as { uri: string; sha256: string; points_here: boolean; release_evidence_uri: string | null };
  ctx.err(`uploaded: ${target.url}${a.uri} (sha256 ${a.sha256})\n`);
  if (!a.points_here)
    ctx.err(
      `note: the run's release_evidence_uri is ${a.release_evidence_uri ?? 'not set'}; set it to ${target.url}${a.uri}#sha256=${a.sha256} in the record to point at this copy\n`,
    );
}

export function evidenceCommands(program: Command, ctx: CliContext): void {
  const evidence = examples(
    program.command('evidence').description('The release evidence bundle: one file pinning, by SHA-256, everything a release claims'),
    'ci-intel evidence build --run 7f0c… --artifact app.tgz --sbom sbom.cdx.json --bundle app.sigstore.json --trusted-root trusted_root.json --certificate-identity "^https://github.com/o/r/" --certificate-oidc-issuer "^https://token.actions.githubusercontent.com$"',
  );
  examples(
    storeOptions(
      evidence
        .command('build')
        .description(
          "Verify the release's signature and provenance and write the evidence bundle: run, image digest, SBOM/provenance/signature/VEX with their SHA-256, log entry, tests, perf, policies, drill, the commit's reproducibility verdicts, verdicts; exit 1 when a verification fails",
        )
        .requiredOption('--run <id>', 'the run the release came from (its record is read from the store unless --record is given)')
        .option('--record <file>', 'the pipeline_run record as JSON, instead of the store')
        .option('--out <file>', 'where to write the bundle (its folder anchors the relative paths)', 'evidence.json')
        .option('--artifact <file>', 'the released file')
        .option('--sbom <file>', 'its SBOM')
        .option('--bundle <file>', 'its Sigstore bundle')
        .option('--provenance <file>', "its SLSA provenance (default: the bundle's payload)")
        .option('--vex <file>', 'a VEX document; repeatable', collect, [])
        .option('--trusted-root <file>', "trusted_root.json of a private Sigstore instance (default: the public-good instance's, shipped with ci-intel)")
        .option('--certificate-identity <re>', "pattern the signer's identity must match")
        .option('--certificate-oidc-issuer <re>', 'pattern the OIDC issuer must match')
        .option('--source-uri <repo>', 'the repository the provenance must name')
        .option('--builder-id <re>', 'pattern the provenance builder id must match')
        .option(
          '--hub <url>',
          'upload the bundle to this hub, which serves it at /api/v1/runs/RUN_ID/evidence; the record is read from it unless --record or --db (env CI_INTEL_HUB)',
        )
        .option('--token <token>', 'hub token with the ingest scope (and read, to read the record) (env CI_INTEL_TOKEN)')
        .option('--json', 'print the bundle as one JSON line as well'),
      'the run record',
    ),
    'ci-intel evidence build --run 7f0c… --record run.json --out release/evidence.json --artifact release/app.tgz --sbom release/sbom.cdx.json',
    'ci-intel evidence build --run 7f0c… --hub https://ci-intel.example --token "$CI_INTEL_TOKEN" --artifact app.tgz --bundle app.sigstore.json',
  ).action(async (o: BuildOpts) => {
    const target = hubTarget(o, { config: () => ctx.config({ config: o.config }) });
    const fromHub = !o.record && target && !o.db && !o.dataDir;
    const stored = o.record || fromHub ? null : await storedRecord(ctx, o);
    const record = stored
      ? stored.record
      : fromHub
        ? await hubRecord(target, o.run)
        : parseJsonObject(readInputText(o.record!), o.record!, 'the record', recordError);
    const doc = await buildEvidence(
      {
        runId: o.run,
        record,
        ...(stored ? { delivery: stored.delivery, reproducible: stored.reproducible } : {}),
        ...(fromHub ? { reproducible: await hubReproducible(target, record) } : {}),
        ...(o.record ? { recordFile: o.record } : {}),
        ...(o.artifact ? { artifact: o.artifact } : {}),
        ...(o.sbom ? { sbom: o.sbom } : {}),
        ...(o.bundle ? { bundle: o.bundle } : {}),
        ...(o.provenance ? { provenance: o.provenance } : {}),
        vex: o.vex,
        ...(o.trustedRoot ? { trustedRoot: o.trustedRoot } : {}),
        ...(o.certificateIdentity && o.certificateOidcIssuer ? { policy: { identity: o.certificateIdentity, issuer: o.certificateOidcIssuer } } : {}),
        ...(o.sourceUri ? { sourceUri: o.sourceUri } : {}),
        ...(o.builderId ? { builderId: o.builderId } : {}),
      },
      o.out,
    );
    writeEvidence(doc, o.out);
    const v = doc.verification as { pass: boolean } | null;
    const files = (doc.files as unknown[]).length;
    ctx.out(
      o.json
        ? `${JSON.stringify(doc)}\n`
        : `${v && !v.pass ? 'FAIL' : 'PASS'} evidence build run=${o.run} out=${path.relative(process.cwd(), path.resolve(o.out)) || o.out} files=${files} verified=${v ? String(v.pass) : 'no signature given'}\n`,
    );
    if (target) await uploadEvidence(ctx, target, o.run, o.out, record);
    if (v && !v.pass) process.exitCode = 1;
  });
  examples(
    evidence
      .command('verify')
      .description(
        'Re-check an evidence bundle offline: the SHA-256 of every file it pins, then the signature and provenance; exit 1 when anything changed or fails',
      )
      .argument('<evidence>', 'the evidence.json evidence build wrote')
      .option('--json', 'one JSON object'),
    'ci-intel evidence verify release/evidence.json',
  ).action(async (file: string, o: { json?: boolean }) => {
    const r = await verifyEvidence(file);
    if (o.json) ctx.out(`${JSON.stringify(r)}\n`);
    else
      ctx.out(
        `${[...r.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.check}: ${c.reason}`), `${r.pass ? 'PASS' : 'FAIL'} evidence verify ${file}`].join('\n')}\n`,
      );
    if (!r.pass) process.exitCode = 1;
  });
}
