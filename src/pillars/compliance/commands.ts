// CLI: `ci-intel policy check [PATH]` — the compliance checks over a repository's CI files and
// lockfiles, in five formats; exit 1 when an error finding exists.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYamlText } from 'yaml';
import { collect, examples } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import { readInputText } from '../../core/input.js';
import type { CliContext } from '../../core/registry.js';
import { policyCheck, type CheckResult } from './check.js';
import type { Finding } from './model.js';
import { recordViolations } from './store.js';
import { recordFor, type RecordOpts } from '../../core/record.js';
import { fixRepository } from './fix/run.js';
import type { ComplianceTables } from './tables.js';
import { complianceConfig } from './config.js';
import { evaluatePolicies, loadPolicies } from './policies/evaluate.js';
import type { Value } from './policies/cel.js';
import { FORMATS, renderHtml, renderJson, renderJunit, renderSarif, renderText, type OutputFormat } from './render.js';

/** Reads an allowlist: one SPDX id per line (# comments), a YAML/JSON list, or `{allow: [...]}`. */
export function readAllowlist(file: string): string[] {
  const text = readInputText(file);
  const trimmed = text.trim();
  if (/^[[{]|^- |^allow:/m.test(trimmed)) {
    let v: unknown;
    try {
      v = parseYamlText(trimmed);
    } catch (e) {
      throw new CiError('E_USAGE', `the licence allowlist is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`, { where: file });
    }
    const list = Array.isArray(v) ? v : v && typeof v === 'object' ? (v as { allow?: unknown }).allow : undefined;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))
      throw new CiError('E_USAGE', 'the licence allowlist must be a list of SPDX ids', {
        where: file,
        hint: 'one id per line, a YAML list, or allow: [MIT, Apache-2.0]',
      });
    return list as string[];
  }
  return text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

export function render(r: CheckResult, format: OutputFormat, version: string, now: Date): string {
  switch (format) {
    case 'json':
      return renderJson(r);
    case 'sarif':
      return renderSarif(r, version);
    case 'junit':
      return renderJunit(r);
    case 'html':
      return renderHtml(r, { generatedAt: now, title: `Compliance report — ${path.basename(path.resolve(r.root))}` });
    default:
      return renderText(r);
  }
}

function packageVersion(): string {
  try {
    const file = new URL('../../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function complianceCommands(program: Command, ctx: CliContext): void {
  const policy = examples(
    program.command('policy').description('Compliance as code: check CI workflows, pipelines and dependency licences against security policies'),
    'ci-intel policy check .',
  );
  examples(
    policy
      .command('check')
      .description('Check GitHub Actions workflows and actions, the GitLab pipeline and its local includes, and lockfiles/SBOMs; exit 1 when an error is found')
      .argument('[path]', 'repository folder to check', '.')
      .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'text')
      .option('--json', 'one JSON object per finding, one per line (same as --format json)')
      .option('--out <file>', 'write the report to a file instead of stdout')
      .option('--license-allowlist <file>', 'allowed SPDX licence ids: one per line, or a YAML list (default: compliance.licenses.allow)')
      .option('--disable <rule>', 'do not report a rule (repeatable)', collect)
      .option('--config <file>', 'ci-intel.yml to read (default: ./ci-intel.yml, else PATH/ci-intel.yml)')
      .option('--record', 'store the findings as policy violations of --repo at --commit (first/last seen, fixed in)')
      .option('--repo <owner/name>', 'repository, for --record (default: from the CI environment)')
      .option('--commit <sha>', 'commit checked, for --record (default: from the CI environment)')
      .option('--db <path|url>', 'store for --record: PGlite folder or postgres:// URL (env CI_INTEL_DB / DATABASE_URL)')
      .option('--hub <url>', 'with --record: send the findings to this hub instead of a store (env CI_INTEL_HUB)')
      .option('--token <token>', 'hub token with the ingest scope (env CI_INTEL_TOKEN)')
      .option('--fix', 'rewrite what can be fixed: pin actions to commit SHAs, narrow permissions, move untrusted expressions out of run: into env:')
      .option('--dry-run', 'with --fix: print the changes as a unified diff and write nothing')
      .option('--action-clones <dir>', 'with --fix: folder of action clones (DIR/owner/repo) to read tags from, offline')
      .option('--github-token <token>', 'with --fix: look up tags no pin or clone knows through the GitHub API (github.apiUrl)')
      .action(async (dir: string, opts: Record<string, unknown>) => {
        const format = (opts.json ? 'json' : String(opts.format)) as OutputFormat;
        if (!FORMATS.includes(format)) throw new CiError('E_USAGE', `--format ${format} is not one of ${FORMATS.join(', ')}`, { where: '--format' });
        if (!existsSync(dir) || !statSync(dir).isDirectory())
          throw new CiError('E_INPUT_UNREADABLE', `${dir} is not a folder`, { where: dir, hint: 'pass the repository folder to check' });
        const repoConfig = path.join(dir, 'ci-intel.yml');
        const configFile = (opts.config as string | undefined) ?? (existsSync('ci-intel.yml') ? undefined : existsSync(repoConfig) ? repoConfig : undefined);
        const cfg = complianceConfig(ctx.config({ config: configFile }));
        const allow = opts.licenseAllowlist ? readAllowlist(String(opts.licenseAllowlist)) : cfg.licenses.allow;
        const check = () =>
          policyCheck(dir, {
            licenses: allow.length ? { allow } : undefined,
            disabled: [...cfg.disabledRules, ...((opts.disable as string[] | undefined) ?? [])],
            maxFileBytes: cfg.maxFileBytes,
            env: ctx.env,
          });
        let r = check();
        if (opts.dryRun && !opts.fix)
          throw new CiError('E_USAGE', '--dry-run goes with --fix', { where: '--dry-run', hint: 'ci-intel policy check . --fix --dry-run' });
        if (opts.fix) {
          const config = ctx.config({ config: configFile });
          const outcome = await fixRepository(dir, r.findings, {
            dryRun: Boolean(opts.dryRun),
            maxFileBytes: cfg.maxFileBytes,
            clonesDir: opts.actionClones as string | undefined,
            github: opts.githubToken ? { token: String(opts.githubToken), apiUrl: config.github.apiUrl } : undefined,
          });
          for (const n of outcome.fixed) ctx.err(`${opts.dryRun ? 'would fix' : 'fixed'} ${n.file}:${n.line} ${n.rule}: ${n.message}\n`);
          for (const n of outcome.notFixed) ctx.err(`not fixed ${n.file}:${n.line} ${n.rule}: ${n.message}\n`);
          ctx.err(
            `${outcome.fixed.length} finding${outcome.fixed.length === 1 ? '' : 's'} ${opts.dryRun ? 'can be fixed' : 'fixed'} in ${outcome.filesChanged.length} file${outcome.filesChanged.length === 1 ? '' : 's'}, ${outcome.notFixed.length} need a person\n`,
          );
          if (opts.dryRun) {
            ctx.out(outcome.diff);
            return;
          }
          r = check();
        }
        for (const p of r.problems) ctx.err(`error: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
        const text = render(r, format, packageVersion(), ctx.now());
        if (opts.out) {
          writeFileSync(String(opts.out), text);
          ctx.err(`wrote ${String(opts.out)}: ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}\n`);
        } else ctx.out(text);
        if (opts.record) await record(r.findings, opts, ctx);
        if (r.findings.some((f) => f.severity === 'error')) process.exitCode = 1;
        else if (r.problems.length) process.exitCode = 2;
      }),
    'ci-intel policy check .',
    'ci-intel policy check . --json',
    'ci-intel policy check . --format sarif --out policy.sarif',
    'ci-intel policy check . --format html --out compliance.html --license-allowlist allowed-licenses.txt',
    'ci-intel policy check . --fix --dry-run --action-clones ~/actions-mirror',
    'ci-intel policy check . --record --hub https://ci-intel.example.com --token $CI_INTEL_TOKEN',
  );
  examples(
    policy
      .command('eval')
      .description('Evaluate policies as code (CEL expressions) on an input document; exit 1 when one denies')
      .requiredOption('--policies <file>', 'policy file: policies: [{ id, allow: "<CEL expression>", effect: deny|warn }]')
      .requiredOption('--input <file>', 'the input, JSON or YAML (e.g. a deployment: { env, approvers, approvals })')
      .option('--json', 'one decision per line: {id, result, reason, time_ns} (the run record policies[] entries)')
      .action((opts: Record<string, unknown>) => {
        const file = String(opts.policies);
        const policies = loadPolicies(readInputText(file), file);
        const inputFile = String(opts.input);
        let input: Value;
        try {
          input = parseYamlText(readInputText(inputFile)) as Value;
        } catch (e) {
          throw new CiError('E_USAGE', `the input is not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}`, { where: inputFile });
        }
        const decisions = evaluatePolicies(policies, input, ctx.now());
        for (const d of decisions) ctx.out(opts.json ? JSON.stringify(d) + '\n' : `${d.result.toUpperCase()} ${d.id}: ${d.reason}\n`);
        if (decisions.some((d) => d.result === 'deny')) process.exitCode = 1;
      }),
    'ci-intel policy eval --policies policies/two-person-prod.yml --input deploy.json',
    'ci-intel policy eval --policies policies.yml --input deploy.json --json',
  );
}

async function record(findings: Finding[], opts: RecordOpts, ctx: CliContext): Promise<void> {
  const r = await recordFor<{ opened: number; seen: number; fixed: number }>(
    opts,
    ctx,
    { tail: 'policy-violations', body: findings.map((f) => JSON.stringify(f)).join('\n') + '\n', contentType: 'application/x-ndjson' },
    (hub, repo, commit) => recordViolations(hub.db.withTables<ComplianceTables>(), hub.redactor, { repo, commit, at: ctx.now(), findings }),
  );
  const s = r.result;
  ctx.err(`recorded ${r.repo}@${r.commit.slice(0, 12)}${r.where}: ${s.opened} new, ${s.seen} still open, ${s.fixed} fixed\n`);
}
