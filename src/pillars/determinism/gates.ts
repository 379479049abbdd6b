// `ci-intel gate determinism REPORT... [--min 100]`: the share of artifacts that reproduced, in
// percent, from the JSON of `repro` or `repro diff`; fails on any drift by default.
// `ci-intel gate determinism --across-commits`: the cross-time gate (seed 000 "fail on ELF BUILD_ID
// / JAR Implementation-Version drift even if SHA identical") over the identities `--record` stored.
import type { Command } from 'commander';
import { examples, numberOption, storeOptions } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import { readJsonLines } from '../../core/input.js';
import { hubCall, queryOf, readHubOptions, readTarget } from '../../core/hub-api.js';
import type { CliContext, GateDef, GateResult } from '../../core/registry.js';
import type { ArtifactVerdict } from './model.js';
import { identityDrift, type IdentityDrift } from './store.js';
import type { DeterminismTables } from './tables.js';

/** The verdicts in a report file: `repro --json` (one object with `verdicts`) or `repro diff --json` (one per line). */
export function readVerdicts(file: string): ArtifactVerdict[] {
  const hint = 'pass the output of ci-intel repro --json or repro diff --json';
  const out: ArtifactVerdict[] = [];
  for (const { value: o, where } of readJsonLines(file, hint)) {
    const list = o && typeof o === 'object' && Array.isArray((o as { verdicts?: unknown }).verdicts) ? (o as { verdicts: unknown[] }).verdicts : [o];
    list.forEach((v, j) => {
      if (!v || typeof v !== 'object' || typeof (v as ArtifactVerdict).artifact !== 'string' || typeof (v as ArtifactVerdict).verdict !== 'string')
        throw new CiError('E_REPORT_INVALID', 'not a reproducibility verdict (artifact and verdict missing)', {
          where: `${where}${list.length > 1 || o !== v ? ` /verdicts/${j}` : ''}`,
          hint,
        });
      out.push(v as ArtifactVerdict);
    });
  }
  return out;
}

export const determinismGate: GateDef = {
  name: 'determinism',
  description: 'Reproducible builds: the share of artifacts whose two builds are identical, in percent (default minimum 100: any drift fails)',
  configure(cmd: Command) {
    examples(
      cmd
        .argument('[reports...]', 'JSON of ci-intel repro --json or repro diff --json')
        .option('--min <percent>', 'least share of reproducible artifacts, 0-100', '100')
        .option(
          '--across-commits',
          'instead of reports: fail when a commit was built with another ELF build id, JAR Implementation-Version or Build-Jdk at another time, or the same content under another build id (from what repro --record stored)',
        )
        .option('--repo <owner/name>', 'with --across-commits: the repository (default: from the CI environment)')
        .option('--commit <sha>', 'with --across-commits: only drift involving this commit (default: from the CI environment; all commits without one)'),
      'ci-intel repro --json -- make dist > repro.json; ci-intel gate determinism repro.json',
      'ci-intel gate determinism repro-*.json --min 90',
      'ci-intel repro --record -- make dist; ci-intel gate determinism --across-commits --repo acme/app --commit $GITHUB_SHA',
    );
    readHubOptions(storeOptions(cmd, 'with --across-commits, read the identities from it'));
  },
  async run(args, opts, ctx) {
    if (opts.acrossCommits) {
      if (args.length)
        throw new CiError('E_USAGE', 'reports and --across-commits do not go together', {
          where: '--across-commits',
          hint: 'run the gate twice: once on the reports, once with --across-commits',
        });
      return acrossCommits(opts, ctx);
    }
    if (!args.length)
      throw new CiError('E_USAGE', 'no report given', {
        where: 'gate determinism',
        hint: 'pass the JSON of ci-intel repro --json or repro diff --json, or --across-commits',
      });
    const min = numberOption('--min', opts.min ?? '100', { min: 0, max: 100 })!;
    const verdicts = args.flatMap(readVerdicts);
    if (!verdicts.length) return { pass: false, value: null, min, reason: 'no artifact verdicts in the reports' };
    const compared = verdicts.filter((v) => v.verdict !== 'not compared');
    const bad = compared.filter((v) => v.verdict !== 'reproducible');
    const value = compared.length ? Math.round((1000 * (compared.length - bad.length)) / compared.length) / 10 : 0;
    const classes = [...new Set(bad.flatMap((v) => Object.keys(v.classes)))].sort();
    const pass = compared.length > 0 && value >= min;
    const reason = bad.length
      ? `${bad.length} of ${compared.length} artifacts not reproducible (${bad
          .map((v) => v.artifact)
          .slice(0, 5)
          .join(', ')}${bad.length > 5 ? ', …' : ''}): ${classes.join(', ')}`
      : compared.length
        ? `all ${compared.length} artifact${compared.length === 1 ? '' : 's'} reproducible`
        : 'no artifact was compared (the budget ran out)';
    return { pass, value, min, reason, fields: { artifacts: verdicts.length, not_compared: verdicts.length - compared.length } };
  },
};

/** The stored identities' drift: from the hub (`--hub`, CI_INTEL_HUB) or the store. */
async function storedDrift(repo: string, commit: string | undefined, opts: Record<string, unknown>, ctx: CliContext) {
  const target = readTarget(opts, ctx);
  if (target) return hubCall<{ identities: number; drifts: IdentityDrift[] }>(target, `/api/v1/determinism/identity-drift${queryOf({ repo, commit })}`);
  const hub = await ctx.openHub(opts);
  try {
    return await identityDrift(hub.db.withTables<DeterminismTables>(), { repo, commit });
  } finally {
    await hub.close();
  }
}

/** One drift in words: `hello: commit abc123 built with build id 1f…, 9c…`. */
export function driftText(d: IdentityDrift): string {
  const values = d.values.map((v) => (d.field === 'build id' && v.length > 16 ? `${v.slice(0, 12)}…` : v)).join(', ');
  return d.scope === 'commit'
    ? `${d.artifact}: commit ${d.key.slice(0, 12)} built with ${d.field} ${values}`
    : `${d.artifact}: the same content (commits ${d.commits.map((c) => c.slice(0, 12)).join(', ')}) under ${d.field} ${values}`;
}

async function acrossCommits(opts: Record<string, unknown>, ctx: CliContext): Promise<GateResult> {
  const repo = (opts.repo as string | undefined) ?? ctx.env.GITHUB_REPOSITORY ?? ctx.env.CI_PROJECT_PATH;
  if (!repo) throw new CiError('E_USAGE', '--across-commits needs --repo (or a CI environment naming it)', { where: '--repo' });
  const commit = (opts.commit as string | undefined) ?? ctx.env.GITHUB_SHA ?? ctx.env.CI_COMMIT_SHA;
  const { identities, drifts } = await storedDrift(repo, commit, opts, ctx);
  const fields = { identities, ...(commit ? { commit: commit.slice(0, 12) } : {}) };
  if (!identities)
    return {
      pass: false,
      value: null,
      max: 0,
      reason: `no build identities stored for ${repo}${commit ? ` at ${commit.slice(0, 12)}` : ''} (record them with ci-intel repro --record)`,
      fields,
    };
  const reason = drifts.length
    ? `${drifts.length} stamp${drifts.length === 1 ? '' : 's'} drifted: ${drifts.slice(0, 5).map(driftText).join('; ')}${drifts.length > 5 ? '; …' : ''}`
    : `${identities} build identit${identities === 1 ? 'y' : 'ies'}: no build id, Implementation-Version or Build-Jdk drift`;
  return { pass: drifts.length === 0, value: drifts.length, max: 0, reason, fields };
}
