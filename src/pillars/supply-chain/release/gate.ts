// `ci-intel gate release`: the deploy gate (seed 000's SLSA path: "block deploy on missing or
// invalid attestation"). One line per check on stderr (PASS, FAIL or MISSING with the reason), the
// gate's one line on stdout, as every gate does; exit 1 unless every check passes.
import type { Command } from 'commander';
import { collect, examples, jsonLine, numberOption, storeOptions } from '../../../core/cli.js';
import { CiError } from '../../../core/errors.js';
import { readHubOptions } from '../../../core/hub-api.js';
import type { GateDef, GateResult } from '../../../core/registry.js';
import { DEFAULT_MAX_RISK } from '../commands.js';
import { str } from '../sbom/common.js';
import { RELEASE_CHECKS, releaseChecks, renderReleaseChecks, type ReleaseCheckName, type ReleaseInputs } from './checks.js';
import { findRecord, localFile, readiness, type SourceOpts } from './inputs.js';

export const DEFAULT_MIN_READINESS = 90;

type ReleaseOpts = SourceOpts &
  Pick<
    ReleaseInputs,
    'artifact' | 'digest' | 'bundle' | 'provenance' | 'sbom' | 'baseSbom' | 'advisories' | 'vex' | 'trustedRoot' | 'sourceUri' | 'builderId'
  > & {
    certificateIdentity?: string;
    certificateOidcIssuer?: string;
    maxRisk?: string;
    minReadiness?: string;
    allowMissing?: string;
    json?: boolean;
  };

function allowedMissing(v: string | undefined): Set<ReleaseCheckName> {
  const names = (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(RELEASE_CHECKS as readonly string[]).includes(n))
      throw new CiError('E_USAGE', `--allow-missing ${JSON.stringify(n)} is not a check`, {
        where: '--allow-missing',
        hint: `one or more of ${RELEASE_CHECKS.join(', ')}, comma-separated`,
      });
  return new Set(names as ReleaseCheckName[]);
}

function options(cmd: Command): Command {
  return readHubOptions(
    storeOptions(
      cmd
        .option('--run <id>', 'the run the release came from: its record is read from the store or the hub')
        .option('--record <file>', 'the pipeline_run record as JSON (instead of, or checked against, --run)')
        .option('--artifact <file>', 'the released file (default: the record’s image_digest)')
        .option('--digest <alg:hex>', 'the artifact digest instead of the file')
        .option('--bundle <file>', 'its Sigstore bundle (default: the record’s signature_uri when it is a local file)')
        .option('--provenance <file>', 'its SLSA provenance (default: the record’s provenance_uri when local and not the bundle, else the bundle’s payload)')
        .option('--trusted-root <file>', "trusted_root.json of a private Sigstore instance (default: the public-good instance's, shipped with ci-intel)")
        .option('--certificate-identity <re>', "pattern the signer's identity must match")
        .option('--certificate-oidc-issuer <re>', 'pattern the OIDC issuer must match')
        .option('--source-uri <repo>', 'the repository the provenance must name, e.g. github.com/o/r')
        .option('--builder-id <re>', 'pattern the provenance builder id must match')
        .option('--sbom <file>', 'the release’s SBOM (default: the record’s sbom_uri when it is a local file)')
        .option('--base-sbom <file>', 'the SBOM of the release it replaces, for the SBOM diff')
        .option('--advisories <file>', 'a vulnerability report of the release (Grype, OSV-scanner, npm audit --json); repeatable', collect, [])
        .option('--vex <file>', 'a VEX document (OpenVEX or CycloneDX VEX); repeatable', collect, [])
        .option('--max-risk <score>', `risk 0–10 at which a new vulnerability fails (default ${DEFAULT_MAX_RISK})`)
        .option('--min-readiness <percent>', `lowest passing readiness score of the repository, 0–100 (default ${DEFAULT_MIN_READINESS})`)
        .option(
          '--allow-missing <checks>',
          `checks that may be MISSING without failing, comma-separated (${RELEASE_CHECKS.join(', ')}); readiness also allows an incomplete score`,
        )
        .option('--json', 'the checks as one JSON object on stderr'),
      'the run record and readiness',
    ),
  );
}

/** A signature is verified against the signer and the trusted root the user expects: both must be given. */
function signerOptions(o: ReleaseOpts, bundle: string | undefined): void {
  if (!bundle) return;
  if (!o.certificateIdentity || !o.certificateOidcIssuer)
    throw new CiError('E_USAGE', 'a signature is checked against the signer you expect: give --certificate-identity and --certificate-oidc-issuer', {
      where: o.certificateIdentity ? '--certificate-oidc-issuer' : '--certificate-identity',
      hint: 'e.g. --certificate-identity "^https://github.com/o/r/" --certificate-oidc-issuer "^https://token.actions.githubusercontent.com$"',
    });
}

export const releaseGate: GateDef = {
  name: 'release',
  description:
    'Deploy gate: pass only when the signature, the provenance, the SBOM (present and named by the run record), the SBOM diff with VEX, the policies and the readiness all pass; one line per check',
  configure(cmd) {
    examples(
      options(cmd),
      'ci-intel gate release --run 1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1 --db ./.ci-intel/db --base-sbom prod.cdx.json --trusted-root trusted_root.json --certificate-identity "^https://github.com/o/r/" --certificate-oidc-issuer "^https://token.actions.githubusercontent.com$"',
      'ci-intel gate release --record run.json --artifact app.tgz --bundle app.sigstore.json --sbom sbom.cdx.json --base-sbom prod.cdx.json --vex vex.openvex.json --trusted-root trusted_root.json --certificate-identity "^https://github.com/o/r/" --certificate-oidc-issuer "^https://token.actions.githubusercontent.com$" --hub https://ci-intel.example.com',
    );
  },
  async run(_args, opts, ctx): Promise<GateResult> {
    const o = opts as unknown as ReleaseOpts;
    const allow = allowedMissing(o.allowMissing);
    const maxRisk = numberOption('--max-risk', o.maxRisk, { min: 0, max: 10 }) ?? DEFAULT_MAX_RISK;
    const minReadiness = numberOption('--min-readiness', o.minReadiness, { min: 0, max: 100 }) ?? DEFAULT_MIN_READINESS;
    signerOptions(o, o.bundle); // before the store is opened, when the bundle is given
    const found = await findRecord(ctx, o);
    const rec = found.record;
    const unresolved: ReleaseInputs['unresolved'] = {};
    const resolve = (given: string | undefined, uri: unknown, role: keyof ReleaseInputs['unresolved'], option: string) => {
      if (given) return given;
      const r = localFile(str(uri), found.baseDir, option);
      if (r.why) unresolved[role] = r.why;
      return r.file;
    };
    const bundle = resolve(o.bundle, rec?.signature_uri, 'bundle', '--bundle');
    const provenance =
      o.provenance ?? (rec?.provenance_uri !== rec?.signature_uri ? resolve(undefined, rec?.provenance_uri, 'provenance', '--provenance') : undefined);
    const sbom = resolve(o.sbom, rec?.sbom_uri, 'sbom', '--sbom');
    signerOptions(o, bundle);
    const checks = await releaseChecks({
      record: rec,
      recordSource: found.source,
      ...(o.artifact ? { artifact: o.artifact } : {}),
      ...(o.digest ? { digest: o.digest } : {}),
      ...(bundle ? { bundle } : {}),
      ...(provenance ? { provenance } : {}),
      ...(sbom ? { sbom } : {}),
      ...(o.baseSbom ? { baseSbom: o.baseSbom } : {}),
      advisories: o.advisories,
      vex: o.vex,
      unresolved,
      ...(o.trustedRoot ? { trustedRoot: o.trustedRoot } : {}),
      ...(o.certificateIdentity && o.certificateOidcIssuer ? { policy: { identity: o.certificateIdentity, issuer: o.certificateOidcIssuer } } : {}),
      ...(o.sourceUri ? { sourceUri: o.sourceUri } : {}),
      ...(o.builderId ? { builderId: o.builderId } : {}),
      maxRisk,
      compliance: found.compliance,
      readiness: await readiness(ctx, { ...o, minReadiness, allowIncomplete: allow.has('readiness') }, str(rec?.repo)),
    });
    const failed = checks.filter((c) => c.status === 'FAIL').map((c) => c.check);
    const missing = checks.filter((c) => c.status === 'MISSING' && !allow.has(c.check)).map((c) => c.check);
    const pass = failed.length === 0 && missing.length === 0;
    const runId = str(rec?.run_id) ?? o.run ?? null;
    if (o.json) ctx.err(`${jsonLine({ run_id: runId, pass, checks: checks.map((c) => ({ ...c, allowed: c.status === 'MISSING' && allow.has(c.check) })) })}\n`);
    else ctx.err(renderReleaseChecks(checks));
    return {
      pass,
      value: failed.length + missing.length,
      max: 0,
      reason: pass
        ? `all ${checks.length} checks pass${
            checks.some((c) => c.status === 'MISSING')
              ? ' (allowed missing: ' +
                checks
                  .filter((c) => c.status === 'MISSING')
                  .map((c) => c.check)
                  .join(', ') +
                ')'
              : ''
          }`
        : [failed.length ? `failed: ${failed.join(', ')}` : '', missing.length ? `missing: ${missing.join(', ')}` : ''].filter(Boolean).join('; '),
      fields: { ...(runId ? { run: runId } : {}), passed: checks.filter((c) => c.status === 'PASS').length, failed: failed.length, missing: missing.length },
    };
  },
};
