// Merge gates (seed 003 "Merge gates"): forbidden patterns in production code, performance
// regression against a baseline (10 % warn, 20 % fail, beyond the noise), and a licence blocklist.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { collect, examples, numberOption } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import { globToRegExp } from '../../core/glob.js';
import { forEachSourceFile } from '../../core/source-files.js';
import type { CliContext, GateDef, GateResult } from '../../core/registry.js';
import { compareBench, readBench } from './bench-formats/index.js';
import { complianceConfig } from './config.js';
import { Tree, discover } from './discover.js';
import { readDependencies } from './licenses/lockfiles.js';
import { blocked, parseSpdx, SpdxSyntaxError } from './licenses/spdx.js';

const MAX_SOURCE_BYTES = 1024 * 1024;

export interface PatternHit {
  file: string;
  line: number;
  message: string;
}

/** Forbidden patterns in production source files (test paths exempt). */
export function scanForbidden(
  root: string,
  patterns: { pattern: string; message?: string; files?: string[] }[],
  testPaths: string[],
): { hits: PatternHit[]; files: number } {
  const compiled = patterns.map((p) => {
    let re: RegExp;
    try {
      re = new RegExp(p.pattern);
    } catch (e) {
      throw new CiError('E_CONFIG_INVALID', `forbidden pattern ${JSON.stringify(p.pattern)} is not a valid regular expression: ${(e as Error).message}`, {
        where: 'ci-intel.yml: /compliance/forbiddenPatterns',
      });
    }
    return { re, message: p.message ?? `matches ${p.pattern}`, files: p.files?.map((g) => globToRegExp(g)) };
  });
  const tests = testPaths.map((g) => globToRegExp(g));
  const hits: PatternHit[] = [];
  let files = 0;
  forEachSourceFile(root, MAX_SOURCE_BYTES, (r, abs) => {
    if (tests.some((t) => t.test(r))) return;
    files++;
    const lines = readFileSync(abs, 'utf8').split('\n');
    for (const p of compiled) {
      if (p.files && !p.files.some((g) => g.test(r))) continue;
      lines.forEach((l, i) => {
        if (p.re.test(l)) hits.push({ file: r, line: i + 1, message: p.message });
      });
    }
  });
  hits.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { hits, files };
}

/** A folder gate's options: the folder, one repeatable option, the config file. */
const folderGateOptions = (cmd: Command, folder: string, flag: string, flagHelp: string) =>
  cmd.argument('[path]', folder, '.').option(flag, flagHelp, collect).option('--config <file>', 'ci-intel.yml to read');

/** The folder argument and the compliance settings every folder gate starts from. */
const folderAndConfig = (args: string[], opts: Record<string, unknown>, ctx: CliContext) => ({
  root: args[0] ?? '.',
  cfg: complianceConfig(ctx.config({ config: opts.config })),
});

export const forbiddenPatternsGate: GateDef = {
  name: 'forbidden-patterns',
  description: 'Fail when production code contains a forbidden pattern (unwrap(), console.log, TODO ...); test paths are exempt',
  configure(cmd: Command) {
    examples(
      folderGateOptions(cmd, 'source folder', '--pattern <regex>', 'a forbidden pattern (repeatable; default: compliance.forbiddenPatterns)').option(
        '--max <n>',
        'matches allowed (default 0)',
      ),
      'ci-intel gate forbidden-patterns .',
      "ci-intel gate forbidden-patterns src --pattern '\\.unwrap\\(\\)' --pattern 'dbg!\\('",
    );
  },
  async run(args, opts, ctx): Promise<GateResult> {
    const { root, cfg } = folderAndConfig(args, opts, ctx);
    const max = numberOption('--max', opts.max, { min: 0, integer: true }) ?? 0;
    const patterns = (opts.pattern as string[] | undefined)?.map((pattern) => ({ pattern })) ?? cfg.forbiddenPatterns;
    const { hits, files } = scanForbidden(root, patterns, cfg.testPaths);
    for (const h of hits) ctx.err(`${h.file}:${h.line}: ${h.message}\n`);
    return {
      pass: hits.length <= max,
      value: hits.length,
      max,
      reason: hits.length
        ? `${hits.length} forbidden pattern match${hits.length === 1 ? '' : 'es'} in production code (listed on stderr)`
        : 'no forbidden pattern in production code',
      fields: { files },
    };
  },
};

export const perfRegressionGate: GateDef = {
  name: 'perf-regression',
  description: 'Fail when a benchmark is ≥ 20 % slower than the baseline (warn at ≥ 10 %), counting only changes beyond the noise',
  configure(cmd: Command) {
    examples(
      cmd
        .requiredOption('--baseline <file>', 'benchmark results of the base branch (hyperfine, pytest-benchmark, go test -bench, Criterion, benchmark.js)')
        .requiredOption('--current <file>', 'benchmark results of the change, same tool')
        .option('--warn <percent>', 'slowdown that warns', '10')
        .option('--fail <percent>', 'slowdown that fails', '20'),
      'ci-intel gate perf-regression --baseline main.json --current pr.json',
      'ci-intel gate perf-regression --baseline base/target/criterion --current target/criterion',
    );
  },
  async run(_args, opts, ctx: CliContext): Promise<GateResult> {
    const warnPct = numberOption('--warn', opts.warn, { min: 0 })!;
    const failPct = numberOption('--fail', opts.fail, { min: 0 })!;
    if (failPct < warnPct) throw new CiError('E_USAGE', `--fail ${failPct} is below --warn ${warnPct}`, { where: '--fail' });
    const base = readBench(String(opts.baseline));
    const cur = readBench(String(opts.current));
    const regs = compareBench(base.results, cur.results, { warnPct, failPct });
    if (!regs.length)
      throw new CiError('E_USAGE', 'no benchmark appears in both files', {
        where: '--current',
        hint: 'compare results of the same benchmarks, from the same tool',
      });
    for (const r of regs)
      if (r.level !== 'ok' || r.changePct >= warnPct)
        ctx.err(
          `${r.level === 'ok' ? 'noise' : r.level}: ${r.name}: ${r.changePct >= 0 ? '+' : ''}${r.changePct.toFixed(1)} %${r.separated ? '' : ' (within the noise)'}\n`,
        );
    const worst = regs[0]!;
    const fails = regs.filter((r) => r.level === 'fail');
    const warns = regs.filter((r) => r.level === 'warn');
    return {
      pass: fails.length === 0,
      value: Math.round(worst.changePct * 10) / 10,
      max: failPct,
      reason: fails.length
        ? `${fails.length} benchmark${fails.length === 1 ? '' : 's'} slower by ≥ ${failPct} % beyond the noise (worst: ${worst.name})`
        : warns.length
          ? `${warns.length} benchmark${warns.length === 1 ? '' : 's'} slower by ≥ ${warnPct} % beyond the noise (warning)`
          : 'no slowdown beyond the noise',
      fields: { benchmarks: regs.length, warn: warns.length, fail: fails.length, format: cur.format },
    };
  },
};

export const licenseGate: GateDef = {
  name: 'license',
  description: 'Fail when a dependency (lockfiles, SBOMs) is under a blocked licence, e.g. GPL or AGPL in a proprietary product',
  configure(cmd: Command) {
    examples(
      folderGateOptions(
        cmd,
        'repository folder (its lockfiles and SBOMs are read)',
        '--block <spdx-glob>',
        'a blocked licence id or glob (repeatable; default: compliance.licenses.block)',
      ),
      'ci-intel gate license .',
      "ci-intel gate license . --block 'AGPL-*' --block 'SSPL-*'",
    );
  },
  async run(args, opts, ctx): Promise<GateResult> {
    const { root, cfg } = folderAndConfig(args, opts, ctx);
    const globs = ((opts.block as string[] | undefined) ?? cfg.licenses.block).map((g) => globToRegExp(g.toLowerCase()));
    const isBlocked = (id: string) => globs.some((g) => g.test(id.toLowerCase()));
    const tree = new Tree(root, 64 * 1024 * 1024, []);
    let deps = 0;
    const bad: string[] = [];
    for (const f of discover(tree, { licenses: true }).filter((x) => x.kind === 'lockfile')) {
      const text = tree.read(f.rel, undefined, f.plain);
      if (text === null) continue;
      for (const d of readDependencies(f.rel, text, root, ctx.env)) {
        deps++;
        if (!d.license) continue;
        let hit: boolean;
        try {
          hit = blocked(parseSpdx(d.license), isBlocked);
        } catch (e) {
          if (!(e instanceof SpdxSyntaxError)) throw e;
          hit = isBlocked(d.license);
        }
        if (hit) {
          bad.push(`${d.name}@${d.version}`);
          ctx.err(`${f.rel}:${d.licenseLine ?? d.line}: ${d.name}@${d.version} is licensed "${d.license}"\n`);
        }
      }
    }
    return {
      pass: bad.length === 0,
      value: bad.length,
      max: 0,
      reason: bad.length
        ? `${bad.length} dependenc${bad.length === 1 ? 'y is' : 'ies are'} under a blocked licence (listed on stderr)`
        : 'no dependency under a blocked licence',
      fields: { dependencies: deps },
    };
  },
};

export const complianceGates = [forbiddenPatternsGate, perfRegressionGate, licenseGate];
