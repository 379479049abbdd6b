// CLI: `ci-intel sarif report` (several scanners' SARIF → one deduplicated list against the base
// commit) and `ci-intel gate sarif` (the same, as a gate line).
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { collect, examples, numberOption } from '../../../core/cli.js';
import { CiError } from '../../../core/errors.js';
import type { CliContext, GateDef, GateResult } from '../../../core/registry.js';
import { recordFor, recordOptions, type RecordOpts } from '../../../core/record.js';
import { dedupe, type SarifIssue } from './dedup.js';
import { MAX_SARIF_BYTES, SEVERITIES, checkoutSource, gitSource, readSarif, type ReadOptions, type SarifFinding, type Severity } from './normalize.js';
import { renderSarifJson, renderSarifMarkdown, renderSarifText } from './render.js';
import { compareIssues, countKloc, type SarifReport } from './report.js';
import { recordSarif, type SarifRecordSummary } from './store.js';
import { readSuppressions } from './suppressions.js';
import type { SarifTables } from './tables.js';

interface SarifOpts {
  base?: string[];
  root?: string;
  baseRef?: string;
  baseRoot?: string;
  suppressions?: string;
  failOn?: string;
  maxPerKloc?: string;
  kloc?: boolean;
}

function options(cmd: Command): Command {
  return cmd
    .argument('<sarif...>', 'SARIF 2.1.0 logs of the change (one per scanner run)')
    .option('--base <sarif>', "the base commit's SARIF logs (repeatable); without them every issue counts as new", collect, [])
    .option('--root <dir>', 'the repository checkout the scanners ran on (paths and line text are read there)', '.')
    .option('--base-ref <rev>', "the base commit in the --root git repository: the base issues' line text is read from it, so moved lines are not new")
    .option('--base-root <dir>', 'a checkout of the base commit (instead of --base-ref)')
    .option('--suppressions <file>', 'suppressions (YAML/JSON: id, reason, by, expires — at most 30 days)')
    .option('--fail-on <severity>', `lowest severity of a newly introduced issue that fails: ${SEVERITIES.join(', ')}`, 'high')
    .option('--max-per-kloc <n>', 'most open issues per 1,000 lines of code (counted under --root)')
    .option('--no-kloc', 'do not count lines of code (large trees)');
}

function readLogs(files: string[], opts: ReadOptions): { issues: SarifIssue[]; findings: number; all: SarifFinding[] } {
  const all = files.flatMap((f) => {
    let size: number;
    try {
      size = statSync(f).size;
    } catch {
      throw new CiError('E_NOT_FOUND', `${f}: no such file`, { where: f, hint: 'give the path of a SARIF file the scanner wrote' });
    }
    if (size > MAX_SARIF_BYTES) throw new CiError('E_REPORT_INVALID', `${f}: larger than ${MAX_SARIF_BYTES / 1024 / 1024} MiB`, { where: f });
    return readSarif(readFileSync(f), f, opts);
  });
  return { issues: dedupe(all), findings: all.length, all };
}

export function sarifReport(files: string[], o: SarifOpts, now: Date, warn: (s: string) => void = () => {}): { report: SarifReport; findings: SarifFinding[] } {
  const failOn = (o.failOn ?? 'high') as Severity;
  if (!SEVERITIES.includes(failOn))
    throw new CiError('E_USAGE', `--fail-on ${JSON.stringify(o.failOn)} is not a severity`, { where: '--fail-on', hint: `one of ${SEVERITIES.join(', ')}` });
  if (o.baseRef && o.baseRoot) throw new CiError('E_USAGE', '--base-ref and --base-root cannot be used together', { where: '--base-root', hint: 'choose one' });
  const root = o.root ?? '.';
  const head = readLogs(files, { root });
  const baseSource = o.baseRef ? gitSource(root, o.baseRef) : o.baseRoot ? checkoutSource(o.baseRoot) : undefined;
  // Without the base's source, base line hashes come from snippets or fingerprints only.
  if (o.base?.length && !baseSource)
    warn("the base logs are read without the base commit's source: issues on moved lines may show as new (give --base-ref or --base-root)");
  const base = o.base?.length ? readLogs(o.base, { root: o.baseRoot ?? root, source: baseSource ?? (() => null) }).issues : null;
  const maxPerKloc = numberOption('--max-per-kloc', o.maxPerKloc, { min: 0 }) ?? null;
  const report = compareIssues(head.issues, base, {
    failOn,
    suppressions: o.suppressions ? readSuppressions(o.suppressions, now) : [],
    now,
    kloc: o.kloc === false ? null : countKloc(root),
    maxPerKloc,
    findings: head.findings,
  });
  return { report, findings: head.all };
}

/** Stores the change's findings as the commit's static analysis record: on the hub, or in a store. */
async function record(findings: SarifFinding[], o: RecordOpts, ctx: CliContext): Promise<void> {
  const r = await recordFor<SarifRecordSummary>(
    o,
    ctx,
    { tail: 'sarif-findings', body: findings.map((f) => JSON.stringify(f)).join('\n') + '\n', contentType: 'application/x-ndjson' },
    (hub, repo, commit) => recordSarif(hub.db.withTables<SarifTables>(), hub.redactor, { repo, commit, at: ctx.now(), findings, complete: true }),
  );
  const s = r.result;
  ctx.err(
    `recorded ${r.repo}@${r.commit.slice(0, 12)}${r.where}: ${s.findings} findings, ${s.issues} issues: ${s.opened} new, ${s.seen} known, ${s.fixed} fixed\n`,
  );
}

export function sarifCommands(program: Command, ctx: CliContext): void {
  const sarif = examples(
    program.command('sarif').description('Static analysis results (SARIF) of several scanners as one deduplicated list'),
    'ci-intel sarif report flawfinder.sarif eslint.sarif --base-ref origin/main --base base/*.sarif',
  );
  examples(
    recordOptions(
      options(
        sarif
          .command('report')
          .description(
            "Merge SARIF logs of several scanners and scanner versions into one issue per flaw (rule + location + line text; two tools' findings are one issue when they name the same weakness on the same line), compare with the base commit's logs (new, still open, fixed), apply suppressions, and count issues per 1,000 lines; exit 1 when a newly introduced issue is at or above --fail-on or the density is above --max-per-kloc",
          ),
      )
        .option('--json', 'one JSON object')
        .option('--md', 'Markdown (for a pull-request comment)'),
      "the change's findings as the repository's static analysis record (deduplicated with earlier uploads; what the commit no longer has is fixed)",
    ),
    'ci-intel sarif report head/*.sarif --base base/*.sarif --base-ref origin/main',
    'ci-intel sarif report codeql.sarif semgrep.sarif --suppressions .ci-intel/suppressions.yml --max-per-kloc 2 --md',
    'ci-intel sarif report *.sarif --record --hub https://ci-intel.example.com --token $CI_INTEL_TOKEN',
  ).action(async (files: string[], o: SarifOpts & RecordOpts & { json?: boolean; md?: boolean }) => {
    if (o.json && o.md) throw new CiError('E_USAGE', '--json and --md cannot be used together', { where: '--md', hint: 'choose one output' });
    const { report: r, findings } = sarifReport(files, o, ctx.now(), (w) => ctx.err(`warning: ${w}\n`));
    ctx.out(o.json ? renderSarifJson(r) : o.md ? renderSarifMarkdown(r) : renderSarifText(r));
    if (!r.pass) process.exitCode = 1;
    if (o.record) await record(findings, o, ctx);
  });
}

export const sarifGate: GateDef = {
  name: 'sarif',
  description:
    'Fail when the change brings in a static analysis issue at or above a severity (SARIF of any scanner, deduplicated), or open issues per 1,000 lines exceed a limit',
  configure(cmd: Command) {
    examples(
      options(cmd),
      'ci-intel gate sarif head/*.sarif --base base/*.sarif --base-ref origin/main',
      'ci-intel gate sarif codeql.sarif --fail-on critical --max-per-kloc 1.5',
    );
  },
  async run(args, opts, ctx): Promise<GateResult> {
    const { report: r } = sarifReport(args, opts as SarifOpts, ctx.now(), (w) => ctx.err(`warning: ${w}\n`));
    for (const i of r.issues.filter((x) => x.state === 'new'))
      ctx.err(
        `${i.file}:${i.line}: new ${i.severity} ${i.rules.join(', ')}: ${i.message.split('\n')[0]} (id ${i.id}${i.suppression && !i.suppression.expired ? ', suppressed' : ''})\n`,
      );
    return {
      pass: r.pass,
      value: r.counts.gating,
      max: 0,
      reason: r.pass ? `no newly introduced issue at ${r.fail_on} or above` : r.reasons.join('; '),
      fields: {
        issues: r.counts.open,
        new: r.counts.new,
        fixed: r.counts.fixed,
        suppressed: r.counts.suppressed,
        ...(r.per_kloc !== null ? { per_kloc: r.per_kloc } : {}),
      },
    };
  },
};
