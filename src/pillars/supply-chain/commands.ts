// CLI: `ci-intel sbom diff BASE HEAD` — what changed between two SBOMs and which vulnerabilities
// the change brings in; exit 1 when one at or above --max-risk has no VEX statement clearing it.
import type { Command } from 'commander';
import { collect, examples, numberOption } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { readAdvisories } from './advisories/index.js';
import { diffSboms } from './diff.js';
import { renderJson, renderMarkdown, renderText } from './render.js';
import { readSbom } from './sbom/index.js';
import { readVex } from './vex.js';

export const DEFAULT_MAX_RISK = 7.0;

export function supplyChainCommands(program: Command, ctx: CliContext): void {
  const sbom = examples(
    program.command('sbom').description('Software bills of materials: compare two and gate on the vulnerabilities a change brings in'),
    'ci-intel sbom diff main.cdx.json pr.cdx.json --advisories grype.json --vex vex.openvex.json',
  );
  examples(
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
    'ci-intel sbom diff base.cdx.json head.cdx.json --advisories npm-audit.json',
    'ci-intel sbom diff base.spdx.json head.spdx.json --advisories osv.json --vex product.openvex.json --max-risk 9 --md',
  ).action((base: string, head: string, o: { advisories: string[]; vex: string[]; maxRisk?: string; json?: boolean; md?: boolean }) => {
    if (o.json && o.md) throw new CiError('E_USAGE', '--json and --md cannot be used together', { where: '--md', hint: 'choose one output' });
    const maxRisk = numberOption('--max-risk', o.maxRisk, { min: 0, max: 10 }) ?? DEFAULT_MAX_RISK;
    const d = diffSboms(readSbom(base), readSbom(head), { reports: o.advisories.flatMap(readAdvisories), vex: o.vex.flatMap(readVex), maxRisk });
    ctx.out(o.json ? renderJson(d) : o.md ? renderMarkdown(d) : renderText(d));
    if (!d.pass) process.exitCode = 1;
  });
}
