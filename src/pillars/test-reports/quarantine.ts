// Quarantine (issue 5; seed 001 "Quarantine Process": a test failing 2+ times in 100 runs is marked
// [Flaky] and excluded from required checks). Auto-quarantine needs 2+ *flaky* failures — failures a
// pass on the same commit contradicts — in the test's last 100 runs; a broken test is not quarantined
// (it must be fixed, not hidden). Release after N clean runs or at the expiry date. Every entry names
// an owner from CODEOWNERS when the repository has one. Pure functions; store.ts persists.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestsConfig } from './config.js';
import { globSource } from '../../core/glob.js';

export interface QuarantineEntry {
  id: string;
  owner: string | null;
  reason: string;
  quarantined_at: string;
  expires_at: string | null;
  /** The runs whose flaky failures proved it. */
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

/** Should this test be quarantined, judging its last `windowRuns` runs (oldest first)? */
export function shouldQuarantine(history: RunOutcome[], cfg: TestsConfig['quarantine']): { yes: boolean; flaky_failures: number; proof_runs: string[] } {
  const window = history.slice(-cfg.windowRuns);
  const proof = window.filter((r) => r.flaky_failures > 0);
  const n = proof.reduce((s, r) => s + r.flaky_failures, 0);
  return { yes: n >= cfg.minFlakyFailures, flaky_failures: n, proof_runs: proof.map((r) => r.run) };
}

/** Consecutive clean runs at the end of a history (release after N). */
export function trailingCleanRuns(history: RunOutcome[]): number {
  let n = 0;
  for (let i = history.length - 1; i >= 0 && !history[i]!.failed; i--) n++;
  return n;
}

export function reasonFor(flakyFailures: number, runs: number, window: number): string {
  return `${flakyFailures} failures contradicted by a pass on the same commit in the last ${Math.min(runs, window)} runs`;
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
              `${e.id}  owner=${e.owner ?? 'none'}  since=${e.quarantined_at.slice(0, 10)}${e.expires_at ? `  expires=${e.expires_at.slice(0, 10)}` : ''}  reason=${e.reason}`,
          )
          .join('\n') + '\n'
      );
    }
  }
}
