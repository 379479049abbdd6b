// CLI: `ci-intel sbom diff BASE HEAD` — what changed between two SBOMs and which vulnerabilities
// the change brings in; exit 1 when one at or above --max-risk has no VEX statement clearing it.
import type { Command } from 'commander';
import { collect, examples, numberOption } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { readAdvisories } from './advisories/index.js';
import { diffSboms, findings } from './diff.js';
import { recordFor, recordOptions, type RecordOpts } from '../../core/record.js';
import { recordScan, summarizeScan, type ScanTables } from './scans.js';
import { renderJson, renderMarkdown, renderText } from './render.js';
import { readSbom } from './sbom/index.js';
import { readVex } from './vex.js';
import { renderVerify, verifyRelease } from './verify/index.js';

export const DEFAULT_MAX_RISK = 7.0;

export function supplyChainCommands(program: Command, ctx: CliContext): void {
  const sbom = examples(
    program.command('sbom').description('Software bills of materials: compare two and gate on the vulnerabilities a change brings in'),
    'ci-intel sbom diff main.cdx.json pr.cdx.json --advisories grype.json --vex vex.openvex.json',
  );
  examples(
    recordOptions(
      sbom
        .command('diff')
        .description(
          'List components added, removed and changed between BASE and HEAD, and the vulnerabilities HEAD brings in with risk = max(CVSS base score, 10 × EPSS percentile); exit 1 when one is at or above --max-risk and no VEX statement says not_affected or fixed',
        )
        .argument('<base>', 'SBOM of the base (CycloneDX 1.4–1.6 JSON/XML, SPDX 2.3 JSON/tag-value)')
        .argument('<head>', 'SBOM of the change')
        .option(
          '--advisories <file>',
          'a vulnerability report for the change (Grype -o json, OSV-scanner --format json, npm audit --json); repeatable',
          collect,
          [],
        )
        .option('--vex <file>', 'a VEX document (OpenVEX or CycloneDX VEX); repeatable', collect, [])
        .option('--max-risk <score>', `risk 0–10 at which a new vulnerability fails (default ${DEFAULT_MAX_RISK})`)
        .option('--json', 'one JSON object')
        .option('--md', 'Markdown (for a pull-request comment)'),
      "HEAD's component count and open vulnerabilities by severity (VEX-cleared ones excluded) as the repository's latest scan, exported on /metrics",
    ),
    'ci-intel sbom diff base.cdx.json head.cdx.json --advisories npm-audit.json',
    'ci-intel sbom diff base.spdx.json head.spdx.json --advisories osv.json --vex product.openvex.json --max-risk 9 --md',
    'ci-intel sbom diff main.cdx.json pr.cdx.json --advisories grype.json --record --hub https://ci-intel.example.com --token $CI_INTEL_TOKEN',
  ).action(async (base: string, head: string, o: RecordOpts & { advisories: string[]; vex: string[]; maxRisk?: string; json?: boolean; md?: boolean }) => {
    if (o.json && o.md) throw new CiError('E_USAGE', '--json and --md cannot be used together', { where: '--md', hint: 'choose one output' });
    const maxRisk = numberOption('--max-risk', o.maxRisk, { min: 0, max: 10 }) ?? DEFAULT_MAX_RISK;
    const headSbom = readSbom(head);
    const reports = o.advisories.flatMap(readAdvisories);
    const vex = o.vex.flatMap(readVex);
    const d = diffSboms(readSbom(base), headSbom, { reports, vex, maxRisk });
    ctx.out(o.json ? renderJson(d) : o.md ? renderMarkdown(d) : renderText(d));
    if (!d.pass) process.exitCode = 1;
    if (!o.record) return;
    const scan = summarizeScan(headSbom.components.length, findings(headSbom, reports, vex));
    const r = await recordFor(o, ctx, { tail: 'sbom-scans', body: JSON.stringify(scan), contentType: 'application/json' }, async (hub, repo, commit) =>
      recordScan(hub.db.withTables<ScanTables>(), { repo, commit, at: ctx.now(), scan }),
    );
    const v = scan.vulnerabilities;
    ctx.err(
      `recorded ${r.repo}@${r.commit.slice(0, 12)}${r.where}: ${scan.components} components; open vulnerabilities ${v.critical} critical, ${v.high} high, ${v.medium} medium, ${v.low} low, ${v.unknown} unknown; ${scan.vex_cleared} cleared by VEX\n`,
    );
  });

  examples(
    program
      .command('verify')
      .description(
        'Verify a signed release offline: the Sigstore bundle (certificate chain to the trusted root, signer identity, signature, transparency-log entry, inclusion proof and signed checkpoint) and its SLSA v1.0 provenance (subject digest = the artifact, required fields, builder and source); exit 1 when a check fails',
      )
      .argument('[artifact]', 'the released file (its sha256 and sha512 are compared with the provenance subject)')
      .option('--digest <alg:hex>', 'the artifact digest instead of the file (sha256:… or sha512:…)')
      .requiredOption('--bundle <file>', 'Sigstore bundle (JSON) of the artifact or its attestation')
      .option('--provenance <file>', "SLSA provenance: a Sigstore bundle or an in-toto statement (default: the bundle's own payload)")
      .requiredOption('--certificate-identity <re>', "pattern the signer's identity (certificate SAN) must match")
      .requiredOption('--certificate-oidc-issuer <re>', 'pattern the OIDC issuer in the certificate must match')
      .option(
        '--trusted-root <file>',
        "trusted_root.json of a private Sigstore instance (default: the public-good instance's, shipped with ci-intel's @sigstore/tuf)",
      )
      .option('--source-uri <repo>', 'the repository the provenance must name, e.g. github.com/o/r')
      .option('--builder-id <re>', 'pattern the provenance builder id must match')
      .option('--json', 'one JSON object'),
    'ci-intel verify shop-api-1.0.0.tgz --bundle shop-api-1.0.0.sigstore.json --certificate-identity "^https://github.com/shop/shop-api/" --certificate-oidc-issuer "^https://token.actions.githubusercontent.com$" --source-uri github.com/shop/shop-api',
    'ci-intel verify shop-api-1.0.0.tgz --bundle shop-api-1.0.0.sigstore.json --trusted-root private/trusted_root.json --certificate-identity "^https://github.com/shop/shop-api/" --certificate-oidc-issuer "^https://token.actions.githubusercontent.com$"',
  ).action(
    async (
      artifact: string | undefined,
      o: {
        digest?: string;
        bundle: string;
        provenance?: string;
        certificateIdentity: string;
        certificateOidcIssuer: string;
        trustedRoot?: string;
        sourceUri?: string;
        builderId?: string;
        json?: boolean;
      },
    ) => {
      const r = await verifyRelease({
        ...(artifact ? { artifact } : {}),
        ...(o.digest ? { digest: o.digest } : {}),
        bundle: o.bundle,
        ...(o.provenance ? { provenance: o.provenance } : {}),
        ...(o.trustedRoot ? { trustedRoot: o.trustedRoot } : {}),
        policy: { identity: o.certificateIdentity, issuer: o.certificateOidcIssuer },
        ...(o.builderId ? { builderId: o.builderId } : {}),
        ...(o.sourceUri ? { sourceUri: o.sourceUri } : {}),
      });
      ctx.out(o.json ? `${JSON.stringify(r)}\n` : renderVerify(r));
      if (!r.pass) process.exitCode = 1;
    },
  );
}
