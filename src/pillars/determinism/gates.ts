// `ci-intel gate determinism REPORT... [--min 100]`: the share of artifacts that reproduced, in
// percent, from the JSON of `repro` or `repro diff`; fails on any drift by default.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { examples, numberOption } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import type { GateDef } from '../../core/registry.js';
import type { ArtifactVerdict } from './model.js';

/** The verdicts in a report file: `repro --json` (one object with `verdicts`) or `repro diff --json` (one per line). */
export function readVerdicts(file: string): ArtifactVerdict[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: file });
  }
  const out: ArtifactVerdict[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new CiError('E_JSON_MALFORMED', 'not a JSON line', {
        where: `${file}:${i + 1}`,
        hint: 'pass the output of ci-intel repro --json or repro diff --json',
      });
    }
    const list = o && typeof o === 'object' && Array.isArray((o as { verdicts?: unknown }).verdicts) ? (o as { verdicts: unknown[] }).verdicts : [o];
    list.forEach((v, j) => {
      if (!v || typeof v !== 'object' || typeof (v as ArtifactVerdict).artifact !== 'string' || typeof (v as ArtifactVerdict).verdict !== 'string')
        throw new CiError('E_REPORT_INVALID', 'not a reproducibility verdict (artifact and verdict missing)', {
          where: `${file}:${i + 1}${list.length > 1 || o !== v ? ` /verdicts/${j}` : ''}`,
          hint: 'pass the output of ci-intel repro --json or repro diff --json',
        });
      out.push(v as ArtifactVerdict);
    });
  });
  return out;
}

export const determinismGate: GateDef = {
  name: 'determinism',
  description: 'Reproducible builds: the share of artifacts whose two builds are identical, in percent (default minimum 100: any drift fails)',
  configure(cmd: Command) {
    examples(
      cmd
        .argument('<reports...>', 'JSON of ci-intel repro --json or repro diff --json')
        .option('--min <percent>', 'least share of reproducible artifacts, 0-100', '100'),
      'ci-intel repro --json -- make dist > repro.json; ci-intel gate determinism repro.json',
      'ci-intel gate determinism repro-*.json --min 90',
    );
  },
  async run(args, opts) {
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
