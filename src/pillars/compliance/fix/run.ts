// The `--fix` half of `policy check`: plan the fixes for what the check reported, then write them
// (or, with --dry-run, print them as a unified diff and write nothing).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { discover, Tree } from '../discover.js';
import type { CheckProblem, Finding } from '../model.js';
import { parseYaml, type YamlFile } from '../yaml-doc.js';
import { unifiedDiff } from './diff.js';
import { planFixes, type FixNote } from './fix.js';
import { pinLookup, type PinOptions } from './pins.js';

export interface FixOptions {
  dryRun: boolean;
  maxFileBytes: number;
  clonesDir?: string;
  github?: PinOptions['github'];
}

export interface FixOutcome {
  /** Unified diff of every changed file (what was, or with --dry-run would be, written). */
  diff: string;
  fixed: FixNote[];
  notFixed: FixNote[];
  filesChanged: string[];
}

export async function fixRepository(root: string, findings: Finding[], opts: FixOptions): Promise<FixOutcome> {
  const problems: CheckProblem[] = [];
  const tree = new Tree(root, opts.maxFileBytes, problems);
  const parsed: { doc: YamlFile; kind: 'workflow' | 'action' }[] = [];
  for (const f of discover(tree, { licenses: false })) {
    if (f.kind !== 'github-workflow' && f.kind !== 'github-action') continue;
    const src = tree.read(f.rel, undefined, f.plain);
    if (src === null) continue;
    try {
      parsed.push({ doc: parseYaml(f.rel, src), kind: f.kind === 'github-workflow' ? 'workflow' : 'action' });
    } catch {
      // reported by the check already; a file that does not parse is not rewritten
    }
  }
  const pins = pinLookup({ texts: parsed.map((p) => p.doc.src), clonesDir: opts.clonesDir, github: opts.github });
  const plan = await planFixes(parsed, findings, pins);
  if (!opts.dryRun) for (const p of plan.files) writeFileSync(path.join(root, p.file), p.after);
  return {
    diff: plan.files.map((p) => unifiedDiff(p.file, p.before, p.after)).join(''),
    fixed: plan.files.flatMap((p) => p.fixed),
    notFixed: plan.notFixed,
    filesChanged: plan.files.map((p) => p.file),
  };
}
