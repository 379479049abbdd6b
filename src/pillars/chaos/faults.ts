// The fault catalogue and the `--fault NAME[:k=v,...]` spelling. Light faults are the ones a pull
// request may get at the configured rate; heavy ones belong to the nightly plan (the pipeline
// chaos design: "1 % PR light; nightly heavy").
import { parseDuration } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';

export const FAULTS = ['kill_job', 'delay_net', 'drop_net', 'corrupt_cache', 'cpu_stress', 'disk_fill'] as const;
export type FaultName = (typeof FAULTS)[number];

/** Faults cheap and safe enough for every pull request. */
export const LIGHT_FAULTS: readonly FaultName[] = ['delay_net', 'cpu_stress', 'corrupt_cache'];

export interface FaultSpec {
  name: FaultName;
  /** The `k=v` parameters as given (validated by the fault's injector). */
  params: Record<string, string>;
  /** Triggers on at most the first `times` attempts (`times=1`: a transient fault); null = any attempt. */
  times: number | null;
}

export function isFault(s: string): s is FaultName {
  return (FAULTS as readonly string[]).includes(s);
}

/** Parses `kill_job:after=1s..5s,times=1`. */
export function parseFault(spec: string, where = '--fault'): FaultSpec {
  const [name = '', rest] = splitOnce(spec.trim(), ':');
  if (!isFault(name)) throw new CiError('E_USAGE', `${JSON.stringify(name)} is not a fault`, { where, hint: `use one of ${FAULTS.join(', ')}` });
  const params: Record<string, string> = {};
  for (const part of rest ? rest.split(',') : []) {
    const [k = '', v] = splitOnce(part.trim(), '=');
    if (!/^[a-z_]+$/.test(k) || v === undefined || v === '') {
      throw new CiError('E_USAGE', `${JSON.stringify(part)} in ${JSON.stringify(spec)} is not a key=value parameter`, {
        where,
        hint: 'e.g. kill_job:after=1s..5s,times=1',
      });
    }
    params[k] = v;
  }
  let times: number | null = null;
  if (params.times !== undefined) {
    times = Number(params.times);
    if (!Number.isInteger(times) || times < 1)
      throw new CiError('E_USAGE', `times=${params.times} is not a whole number ≥ 1`, { where, hint: 'times=1 makes the fault transient' });
    delete params.times;
  }
  return { name, params, times };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Parses a comma-separated fault list (`--allow kill_job,cpu_stress`); `light` names the light faults. */
export function parseFaultList(v: string, where: string): FaultName[] {
  const out = new Set<FaultName>();
  for (const raw of v.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    if (s === 'light') LIGHT_FAULTS.forEach((f) => out.add(f));
    else if (s === 'all') FAULTS.forEach((f) => out.add(f));
    else if (isFault(s)) out.add(s);
    else throw new CiError('E_USAGE', `${JSON.stringify(s)} is not a fault`, { where, hint: `use light, all, or fault names: ${FAULTS.join(', ')}` });
  }
  return [...out].sort();
}

/** A `MIN..MAX` duration range (or one duration) in milliseconds. */
export function durationRange(v: string, where: string): [number, number] {
  const [a = '', b] = v.split('..');
  const lo = parseDuration(a, where)!;
  const hi = b === undefined ? lo : parseDuration(b, where)!;
  if (hi < lo) throw new CiError('E_USAGE', `${JSON.stringify(v)}: the range ends before it starts`, { where, hint: 'write MIN..MAX, e.g. 1s..5s' });
  return [lo, hi];
}

/** Sizes as people type them: 512k, 64m, 1g (binary units), or bytes. */
export function parseSize(v: string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)i?b?$/i.exec(v.trim());
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m?.[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = m ? Math.round(Number(m[1]) * mult) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new CiError('E_USAGE', `${JSON.stringify(v)} is not a size`, { where, hint: 'use e.g. 64m, 512k, 1g' });
  return n;
}

/** Rejects parameters a fault does not know (a typo must not silently become the default). */
export function checkParams(f: FaultSpec, known: readonly string[]): void {
  for (const k of Object.keys(f.params).sort()) {
    if (!known.includes(k)) {
      throw new CiError('E_USAGE', `${f.name} has no parameter ${JSON.stringify(k)}`, {
        where: '--fault',
        hint: known.length ? `its parameters: ${[...known, 'times'].join(', ')}` : 'its only parameter is times',
      });
    }
  }
}
