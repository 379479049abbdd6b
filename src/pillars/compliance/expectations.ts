// Test support: the findings a fixture repository expects, written beside the offending lines as
// `# expect: rule-id` (`// expect:` inside scripts), plus an optional EXPECTED.txt of
// `rule file:line` lines for files that cannot carry comments (JSON lockfiles and SBOMs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from './model.js';

const SKIP = new Set(['node_modules', '.git', 'cargo-home', 'gomodcache']);

export function expectedFindings(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) walk(r);
        continue;
      }
      if (!/\.ya?ml$/.test(e.name)) continue;
      readFileSync(path.join(root, r), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const m = /(?:#|\/\/)\s*expect:\s*([\w, -]+?)\s*$/.exec(line);
          if (m) for (const rule of m[1]!.split(',')) out.push(`${rule.trim()} ${r}:${i + 1}`);
        });
    }
  };
  walk('');
  const listed = path.join(root, 'EXPECTED.txt');
  if (existsSync(listed))
    out.push(
      ...readFileSync(listed, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  return out.sort();
}

export const keyOf = (f: Finding) => `${f.rule} ${f.file}:${f.line}`;

/** Precision and recall of findings against the expected keys. */
export function score(found: string[], expected: string[]): { tp: number; fp: string[]; fn: string[]; precision: number; recall: number } {
  const e = new Set(expected);
  const f = new Set(found);
  const fp = [...f].filter((k) => !e.has(k));
  const fn = [...e].filter((k) => !f.has(k));
  const tp = f.size - fp.length;
  return { tp, fp, fn, precision: f.size ? tp / f.size : 1, recall: e.size ? tp / e.size : 1 };
}
