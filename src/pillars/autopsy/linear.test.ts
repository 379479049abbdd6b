// Linear time on any input (issue 15, deliverable 5): doubling a line doubles the work, for the
// shapes that make backtracking regexes quadratic — long runs of `\r`, spaces, tabs, digits and one
// long token, alone or after the words that make rules look at a line, with and without a final
// `\r\n`. A shared machine is noisy, so each size takes the fastest of several runs, the sizes are
// large (tens of milliseconds at linear speed), and only the ratio time(2n)/time(n) is asserted.
import { describe, expect, it } from 'vitest';
import { analyzeText } from './analyze.js';
import { normalizeText } from './normalize.js';
import { ruleSet } from './rules.js';

const FILLERS: Record<string, (n: number) => string> = {
  cr: (n) => '\r'.repeat(n),
  spaces: (n) => ' '.repeat(n),
  tabs: (n) => '\t'.repeat(n),
  digits: (n) => '7'.repeat(n),
  token: (n) => 'a'.repeat(n),
  'cr-token': (n) => 'ab\r'.repeat(Math.ceil(n / 3)).slice(0, n),
  'colon-token': (n) => 'a:1 '.repeat(Math.ceil(n / 4)).slice(0, n),
};

/** Words that make the prefilter hand a line to many rules (and the runner markers). */
const PREFIXES = ['', 'Error: ', 'npm ERR! ', '[ERROR] ', 'FAILED ', '    at ', 'error[E0', 'The command "', 'section_start:1:x\r', '##[error]'];

/** Nanoseconds `f` takes. */
function timed(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t);
}

/**
 * time(2n) / time(n). Each timing repeats the work as often as makes the small input take at least
 * 30 ms; small and large runs alternate (so a busy moment of the machine hits both) and each size
 * keeps its fastest run; while the ratio is above the bound, up to 16 rounds of 7 runs each are
 * added. Noise only ever slows a run, so the fastest runs are the truest; a quadratic path gives ~4
 * every time.
 */
function doublingRatio(make: (n: number) => string, run: (s: string) => void, n: number, bound = 2.5): number {
  const small = make(n);
  const large = make(2 * n);
  let k = 1;
  const times = (s: string) => () => {
    for (let i = 0; i < k; i++) run(s);
  };
  run(small);
  run(large);
  while (k < 4096 && timed(times(small)) < 30e6) k *= 2;
  // The fastest run of each size over all rounds so far: more rounds only bring both nearer their
  // true time, so a linear path converges to ~2 and a quadratic one stays near 4.
  let s = Infinity;
  let l = Infinity;
  for (let round = 0; round < 16 && (round === 0 || l / s > bound); round++) {
    for (let i = 0; i < 7; i++) {
      s = Math.min(s, timed(times(small)));
      l = Math.min(l, timed(times(large)));
    }
  }
  return l / s;
}

// A busy moment of a shared machine can still slow every small run of one measurement; a retry
// measures again (a quadratic path fails every attempt: its ratio stays near 4).
describe('linear time', { retry: 2 }, () => {
  const rules = ruleSet();

  it.each(Object.keys(FILLERS))('normalizing a long line of %s (ending in \\r\\n) takes time linear in its length', (kind) => {
    const fill = FILLERS[kind]!;
    // 50k / 100k characters: small enough to stay in the CPU cache (a 6 MB string does not, and
    // the memory bandwidth then shows as a ratio above 2), repeated by doublingRatio.
    const make = (n: number) => `x ${fill(n)} done\r\n`;
    expect(doublingRatio(make, (s) => normalizeText(s), 50_000)).toBeLessThanOrEqual(2.5);
  });

  it.each(Object.keys(FILLERS))('analyzing lines of %s after rule words takes time linear in the line length', (kind) => {
    const fill = FILLERS[kind]!;
    // Lines of 10k / 20k characters (below the 64 KiB line cap), two per prefix.
    const make = (n: number) => PREFIXES.map((p) => `${p}${fill(n)}\r\n${p}${fill(n)} end\n`).join('');
    const analyze = (s: string) => analyzeText(s, rules, { classifier: null });
    expect(doublingRatio(make, analyze, 10_000)).toBeLessThanOrEqual(2.5);
  });

  it('the 45k-character line ending in \\r\\n the old carriage-return regex took seconds on is fast', () => {
    const line = 'y'.repeat(45_000) + '\r\n';
    // The old regex took 3.4 s here; a linear pass takes well under a millisecond. 200 ms leaves
    // room for any machine while still failing on the quadratic version.
    expect(
      Math.min(
        timed(() => normalizeText(line)),
        timed(() => normalizeText(line)),
      ) / 1e6,
    ).toBeLessThan(200);
  });
});
