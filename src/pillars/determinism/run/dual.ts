// The dual (or N-fold) build: copies of the work tree, the build run in each under varied
// conditions, every artifact compared between the control and each experiment. One budget covers
// building and comparing; when it runs out the build is stopped and the report says what was done.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareArtifact } from '../compare/artifact.js';
import type { Limits } from '../compare/context.js';
import type { ArtifactVerdict } from '../model.js';
import { planRuns, type RunSetup, type Variation, type VariationStatus } from './variations.js';
import { artifactsOf, copyTree, skipVcs, snapshot } from './tree.js';

export interface DualRunOptions {
  /** The work tree to build. */
  cwd: string;
  command: string[];
  vary: Variation[];
  runs: number;
  /** Milliseconds for everything; undefined: no budget. */
  budgetMs?: number;
  artifacts: string[];
  env: NodeJS.ProcessEnv;
  limits?: Partial<Limits>;
  tmpDir?: string;
  /** Progress lines (stderr). */
  log: (s: string) => void;
  now?: () => number;
}

export interface BuildRun {
  run: number;
  folder: string;
  exitCode: number | null;
  seconds: number;
  artifacts: number;
  /** The end of the build's output, when it failed. */
  tail?: string;
}

export interface DualRunReport {
  command: string[];
  variations: VariationStatus[];
  runs: BuildRun[];
  /** Per artifact, and per experiment when there are more than two runs. */
  verdicts: ArtifactVerdict[];
  /** Why the report is partial (the budget, a failed build), if it is. */
  stopped?: string;
}

/** Run folders: with `path` varied, names of different lengths and depths; else one folder reused. */
function folderFor(root: string, run: number, varyPath: boolean): string {
  if (!varyPath) return path.join(root, 'build', 'src');
  return run === 1 ? path.join(root, 'b1', 'src') : path.join(root, `build-run-${run}-elsewhere`, 'deeper', 'src');
}

function runBuild(
  dir: string,
  setup: RunSetup,
  command: string[],
  deadline: number | undefined,
  now: () => number,
): Promise<{ code: number | null; tail: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const script = [...setup.preamble, `umask ${setup.umask}`, 'exec "$@"'].join('; ');
    const argv = [...setup.wrap, 'sh', '-c', script, 'build', ...command];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env: Object.fromEntries(setup.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let tail = '';
    const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => {
              timedOut = true;
              // the whole process group: the build's children too
              try {
                process.kill(-child.pid!, 'SIGKILL');
              } catch {
                child.kill('SIGKILL');
              }
            },
            Math.max(0, deadline - now()),
          );
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, tail, timedOut });
    });
  });
}

export async function dualRun(o: DualRunOptions): Promise<DualRunReport> {
  const now = o.now ?? Date.now;
  const deadline = o.budgetMs === undefined ? undefined : now() + o.budgetMs;
  const plan = planRuns(o.vary, o.env);
  const varyPath = o.vary.includes('path');
  const root = await mkdtemp(path.join(o.tmpDir ?? os.tmpdir(), 'ci-intel-repro-run-'));
  const report: DualRunReport = { command: o.command, variations: plan.statuses, runs: [], verdicts: [] };
  const kept: { folder: string; artifacts: string[]; setup: RunSetup }[] = [];
  try {
    for (let run = 1; run <= o.runs; run++) {
      const setup = run === 1 ? plan.control : plan.experiment;
      const folder = folderFor(root, run, varyPath);
      await copyTree(o.cwd, folder, setup.reverseCopy, () => false);
      const before = await snapshot(folder, skipVcs);
      if (run > 1 && o.vary.includes('time')) await new Promise((r) => setTimeout(r, 1000 - (now() % 1000) + 20));
      o.log(`build ${run} of ${o.runs} in ${folder}\n`);
      const started = now();
      const r = await runBuild(folder, setup, o.command, deadline, now);
      const after = await snapshot(folder, skipVcs);
      const artifacts = artifactsOf(after, before, o.artifacts);
      let finalFolder = folder;
      if (!varyPath) {
        // the next build reuses the folder: keep this one's result under its own name
        finalFolder = path.join(root, `run-${run}`);
        await rename(path.dirname(folder), finalFolder);
        finalFolder = path.join(finalFolder, 'src');
      }
      report.runs.push({
        run,
        folder: finalFolder,
        exitCode: r.code,
        seconds: Math.round((now() - started) / 100) / 10,
        artifacts: artifacts.length,
        ...(r.code ? { tail: r.tail } : {}),
      });
      if (r.timedOut) {
        report.stopped = `the budget ran out during build ${run}; it was stopped`;
        return report;
      }
      if (r.code !== 0) {
        report.stopped = `build ${run} failed (exit ${r.code}); nothing to compare`;
        return report;
      }
      kept.push({ folder: finalFolder, artifacts, setup });
    }
    const control = kept[0]!;
    if (!o.artifacts.length && control.artifacts.length === 0)
      report.stopped = 'the build produced no new or changed files; name the artifacts with --artifacts';
    const known = {
      paths: [...new Set(kept.map((k) => path.dirname(k.folder)).concat(kept.map((k) => k.folder)))],
      hostnames: [...new Set(kept.map((k) => k.setup.hostname))],
      users: [...new Set(kept.map((k) => k.setup.user))],
    };
    for (let i = 1; i < kept.length; i++) {
      const exp = kept[i]!;
      const names = [...new Set([...control.artifacts, ...exp.artifacts])].sort();
      for (const name of names) {
        const label = kept.length > 2 ? `${name} (build ${i + 1})` : name;
        if (deadline !== undefined && now() > deadline) {
          report.stopped = 'the budget ran out while comparing; the artifacts left are listed as not compared';
          report.verdicts.push({
            artifact: label,
            verdict: 'not compared',
            size: [0, 0],
            sha256: ['', ''],
            classes: {},
            differences: [],
            notes: ['the time budget ran out before this artifact'],
          });
          continue;
        }
        if (!control.artifacts.includes(name) || !exp.artifacts.includes(name)) {
          report.verdicts.push({
            artifact: label,
            verdict: 'not reproducible',
            size: [0, 0],
            sha256: ['', ''],
            classes: { content: 1 },
            differences: [
              { class: 'content', where: name, detail: control.artifacts.includes(name) ? 'built only by the first build' : `built only by build ${i + 1}` },
            ],
            notes: [],
          });
          continue;
        }
        report.verdicts.push(
          await compareArtifact(path.join(control.folder, name), path.join(exp.folder, name), label, { known, limits: o.limits, deadline, now }),
        );
      }
    }
    if (report.verdicts.some((v) => v.notes.some((n) => n.startsWith('the time budget ran out'))))
      report.stopped ??= 'the budget ran out while comparing; the verdicts are partial';
    return report;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
