// A chaos plan (`ci-intel chaos plan F.yml`): a list of trials — fault, step, rate, retry policy —
// checked whole before anything runs; errors name file:line. Pull-request runs (the default) take
// light faults only, at the plan's PR rate (1 % unless `pr_rate` says otherwise); `--nightly` runs
// the heavy ones at each trial's own rate.
import { isMap, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { CiError } from '../../core/errors.js';
import { readInputText } from '../../core/input.js';
import { parseDuration } from '../../core/duration.js';
import type { RetryPolicy } from './decide.js';
import { LIGHT_FAULTS, parseFault, type FaultSpec } from './faults.js';

export interface PlannedTrial {
  /** file:line of the trial, for messages. */
  where: string;
  fault: FaultSpec;
  target: string;
  command: string[];
  rate: number;
  seed: number | undefined;
  policy: RetryPolicy;
  budgetMs: number | undefined;
  /** Run once without a fault when every attempt failed (`sh -c`); a success through it is degraded. */
  fallback: string[] | undefined;
}

export const DEFAULT_PR_RATE = 0.01;
const KEYS = ['fault', 'target', 'run', 'rate', 'seed', 'retries', 'backoff', 'jitter', 'budget', 'fallback'];
const HINT = 'a plan is `trials:` — a list of {fault, run, target, rate, seed, retries, backoff, jitter, budget, fallback}; see ci-intel chaos plan --help';

export function readPlan(file: string, o: { nightly: boolean }): { trials: PlannedTrial[]; prRate: number } {
  const src = readInputText(file);
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines, prettyErrors: false });
  const at = (n: Node | null | undefined) => `${file}:${n?.range ? lines.linePos(n.range[0]).line : 1}`;
  const bad = (n: Node | null | undefined, what: string, hint = HINT) => new CiError('E_CHAOS_TRIAL_INVALID', what, { where: at(n), hint });
  if (doc.errors[0])
    throw new CiError('E_CHAOS_TRIAL_INVALID', doc.errors[0].message.split('\n')[0]!, {
      where: `${file}:${lines.linePos(doc.errors[0].pos[0]).line}`,
      hint: HINT,
    });
  const root = doc.contents as Node | null;
  if (!isMap(root)) throw bad(root, 'the plan is not a mapping with `trials:`');
  const prNode = root.get('pr_rate', true) as Node | undefined;
  const prRate = prNode === undefined ? DEFAULT_PR_RATE : num(prNode, 'pr_rate', 0, 1);
  const list = root.get('trials', true) as Node | undefined;
  if (!isSeq(list) || !list.items.length) throw bad(list ?? root, '`trials:` must be a non-empty list');

  function num(n: Node, key: string, min: number, max: number, integer = false): number {
    const v = (n as { toJSON(): unknown }).toJSON();
    if (typeof v !== 'number' || v < min || v > max || (integer && !Number.isInteger(v)))
      throw bad(n, `${key} must be ${integer ? 'a whole number' : 'a number'} ${min}..${max}`);
    return v;
  }
  function str(n: Node, key: string): string {
    const v = (n as { toJSON(): unknown }).toJSON();
    if (typeof v !== 'string' || !v.trim()) throw bad(n, `${key} must be a non-empty string`);
    return v;
  }

  const trials = list.items.map((item) => {
    const m = item as YAMLMap<unknown, Node>;
    if (!isMap(m)) throw bad(item as Node, 'a trial must be a mapping with fault and run');
    for (const p of m.items) {
      const k = String((p.key as { toJSON(): unknown }).toJSON());
      if (!KEYS.includes(k)) throw bad(p.key as Node, `unknown key ${JSON.stringify(k)} in a trial (known: ${KEYS.join(', ')})`);
    }
    const get = (k: string) => m.get(k, true) as Node | undefined;
    const where = at(m);
    const faultNode = get('fault');
    if (!faultNode) throw bad(m, 'the trial has no fault');
    let fault: FaultSpec;
    try {
      fault = parseFault(str(faultNode, 'fault'), at(faultNode));
    } catch (e) {
      throw e instanceof CiError && e.where === at(faultNode) ? e : bad(faultNode, (e as Error).message);
    }
    if (!o.nightly && !LIGHT_FAULTS.includes(fault.name))
      throw new CiError('E_CHAOS_REFUSED', `${fault.name} is a heavy fault: pull-request runs take light faults only (${LIGHT_FAULTS.join(', ')})`, {
        where: at(faultNode),
        hint: 'run the plan with --nightly for the heavy suite, or choose a light fault',
      });
    const runNode = get('run');
    if (!runNode) throw bad(m, 'the trial has no run (the step command)');
    const run = (runNode as { toJSON(): unknown }).toJSON();
    const command =
      typeof run === 'string' && run.trim()
        ? ['sh', '-c', run]
        : Array.isArray(run) && run.length && run.every((x) => typeof x === 'string')
          ? (run as string[])
          : (() => {
              throw bad(runNode, 'run must be a shell command line or a list of arguments');
            })();
    const opt = <T>(k: string, f: (n: Node) => T): T | undefined => {
      const n = get(k);
      return n === undefined ? undefined : f(n);
    };
    const durations = (n: Node, k: string) =>
      str(n, k)
        .split(',')
        .map((s) => parseDuration(s, at(n))!);
    return {
      where,
      fault,
      target: opt('target', (n) => str(n, 'target')) ?? fault.name,
      command,
      // PR runs: the plan's PR rate, whatever the trial asks; nightly: the trial's (default: always).
      rate: o.nightly ? (opt('rate', (n) => num(n, 'rate', 0, 1)) ?? 1) : prRate,
      seed: opt('seed', (n) => num(n, 'seed', 0, 2 ** 53 - 1, true)),
      policy: {
        retries: opt('retries', (n) => num(n, 'retries', 0, 20, true)) ?? 3,
        backoffMs: opt('backoff', (n) => durations(n, 'backoff')) ?? [2000, 4000, 8000],
        jitter: opt('jitter', (n) => num(n, 'jitter', 0, 1)) ?? 0.2,
      },
      budgetMs: opt('budget', (n) => parseDuration(str(n, 'budget'), at(n))!),
      fallback: opt('fallback', (n) => ['sh', '-c', str(n, 'fallback')]),
    };
  });
  return { trials, prRate };
}
