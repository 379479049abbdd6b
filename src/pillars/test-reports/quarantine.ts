// Quarantine (seed 001 "Quarantine Process": a test failing 2+ times in 100 runs on the default
// branch is marked [Flaky] and excluded from required checks). The rule counts every run in which the
// test failed, whether or not a pass contradicted the failure (issue 16: a test failing on every run
// was never quarantined); each entry says which kind it is — flaky (some failure was contradicted by
// a pass on the same commit) or broken (none was: it fails for real and needs a fix, not a retry).
// Release after N clean runs or at the expiry date. Every entry names an owner from CODEOWNERS when
// the repository has one. Pure functions; store/flaky.ts persists, quarantine-issues.ts tracks issues.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestsConfig } from './config.js';
import { globSource } from '../../core/glob.js';

export type QuarantineKind = 'flaky' | 'broken';

export interface QuarantineEntry {
  id: string;
  /** flaky: a failure in the window was contradicted by a pass on its commit; broken: none was. */
  kind: QuarantineKind;
  owner: string | null;
  reason: string;
  quarantined_at: string;
  expires_at: string | null;
  /** The runs in which it failed. */
  proof_runs: string[];
  flaky_failures: number;
  file?: string | null;
  classname?: string | null;
  name?: string | null;
}

export interface RunOutcome {
  run: string;
  /** Flaky events of this test in this run (failures contradicted on the run's commit). */
  flaky_failures: number;
  /** Any failure at all in this run (flaky or not). */
  failed: boolean;
}

/**
 * Should this test be quarantined, judging its last `windowRuns` runs (oldest first)? Yes when it
 * failed in `minFlakyFailures` (2) of them or more, flaky or broken alike.
 */
export function shouldQuarantine(
  history: RunOutcome[],
  cfg: TestsConfig['quarantine'],
): { yes: boolean; kind: QuarantineKind; failures: number; flaky_failures: number; proof_runs: string[] } {
  const window = history.slice(-cfg.windowRuns);
  const failing = window.filter((r) => r.failed);
  const flaky = window.reduce((s, r) => s + r.flaky_failures, 0);
  return {
    yes: failing.length >= cfg.minFlakyFailures,
    kind: flaky > 0 ? 'flaky' : 'broken',
    failures: failing.length,
    flaky_failures: flaky,
    proof_runs: failing.map((r) => r.run),
  };
}

/** Consecutive clean runs at the end of a history (release after N). */
export function trailingCleanRuns(history: RunOutcome[]): number {
  let n = 0;
  for (let i = history.length - 1; i >= 0 && !history[i]!.failed; i--) n++;
  return n;
}

export function reasonFor(d: { kind: QuarantineKind; failures: number; flaky_failures: number }, runs: number, window: number): string {
  const where = `failed in ${d.failures} of the last ${Math.min(runs, window)} runs`;
  return d.kind === 'flaky'
    ? `flaky: ${where}; ${d.flaky_failures} failure${d.flaky_failures === 1 ? '' : 's'} contradicted by a pass on the same commit`
    : `broken: ${where}; no pass on the same commit contradicted a failure (it needs a fix, not a retry)`;
}

// ---- CODEOWNERS (GitHub docs "About code owners": last matching pattern wins) ----

export interface OwnerRule {
  re: RegExp;
  owners: string[];
}

export function parseCodeowners(text: string): OwnerRule[] {
  const rules: OwnerRule[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!pattern) continue;
    rules.push({ re: codeownersPattern(pattern), owners });
  }
  return rules;
}

function codeownersPattern(p: string): RegExp {
  let pat = p;
  const anchored = pat.startsWith('/') || pat.slice(0, -1).includes('/');
  pat = pat.replace(/^\//, '');
  const dir = pat.endsWith('/');
  if (dir) pat = pat.slice(0, -1);
  const body = globSource(pat);
  // A directory (or a bare name) owns everything below it.
  return new RegExp(`${anchored ? '^' : '(?:^|/)'}${body}(?:/.*)?$`);
}

/** Where CODEOWNERS lives (GitHub: .github/, root, docs/; GitLab also .gitlab/). */
export function findCodeowners(root: string): string | null {
  for (const p of ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS', '.gitlab/CODEOWNERS']) {
    const f = path.join(root, p);
    if (existsSync(f)) return readFileSync(f, 'utf8');
  }
  return null;
}

/** The path a test most likely lives at: its file, else its classname as a path. */
export function testPath(t: { file?: string | null; classname?: string | null; id: string }): string {
  if (t.file) return t.file.replace(/^\.\//, '');
  const cls = t.classname ?? t.id.split('::')[0] ?? '';
  if (cls.includes('/')) return cls; // go packages, vitest files
  return cls.replace(/\./g, '/');
}

export function ownerOf(t: { file?: string | null; classname?: string | null; id: string }, rules: OwnerRule[]): string | null {
  const p = testPath(t);
  let owners: string[] | null = null;
  for (const r of rules) if (r.re.test(p)) owners = r.owners;
  return owners && owners.length ? owners.join(' ') : null;
}

// ---- output shapes runners consume ----

export type QuarantineFormat = 'json' | 'text' | 'jest' | 'pytest';

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** pytest node id from a JUnit classname (`tests.test_units.TestTemperature`) and name. */
export function pytestNodeId(e: { file?: string | null; classname?: string | null; name?: string | null; id: string }): string {
  const name = e.name ?? e.id.slice(e.id.indexOf('::') + 2);
  const parts = (e.classname ?? e.id.split('::')[0] ?? '').split('.').filter(Boolean);
  // Classes start with a capital letter by pytest's convention (`Test*`); the rest is the module.
  const firstClass = parts.findIndex((p) => /^[A-Z]/.test(p));
  const mod = firstClass < 0 ? parts : parts.slice(0, firstClass);
  const classes = firstClass < 0 ? [] : parts.slice(firstClass);
  const file = e.file ?? (mod.length ? mod.join('/') + '.py' : '');
  return [file, ...classes, name].join('::');
}

export function renderQuarantine(entries: QuarantineEntry[], format: QuarantineFormat, repo: string | null): string {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  switch (format) {
    case 'json':
      return JSON.stringify({ repo, tests: sorted }) + '\n';
    case 'pytest':
      return sorted.map((e) => `--deselect ${pytestNodeId(e)}`).join('\n') + (sorted.length ? '\n' : '');
    case 'jest': {
      if (!sorted.length) return '';
      // jest -t matches the full test name, which jest-junit writes as the testcase name.
      const names = sorted.map((e) => reEscape(e.name ?? e.id.slice(e.id.indexOf('::') + 2)));
      return `--testNamePattern=^(?!(?:${names.join('|')})$)\n`;
    }
    case 'text':
    default: {
      if (!sorted.length) return 'no test is quarantined\n';
      return (
        sorted
          .map(
            (e) =>
              `${e.id}  kind=${e.kind}  owner=${e.owner ?? 'none'}  since=${e.quarantined_at.slice(0, 10)}${e.expires_at ? `  expires=${e.expires_at.slice(0, 10)}` : ''}  reason=${e.reason}`,
          )
          .join('\n') + '\n'
      );
    }
  }
}
