// User policies as code: CEL expressions over an input document (a deployment's approvals, a
// repository's findings ...), each decision recorded as the contract's policies[] entry
// {id, result: allow|deny|warn, reason, time_ns} (time_ns: how long the evaluation took).
import { parse as parseYaml } from 'yaml';
import { CiError } from '../../../core/errors.js';
import { CelError, evalCel, parseCel, type Value } from './cel.js';

export interface PolicyDef {
  id: string;
  description?: string;
  /** CEL: true when the input complies. */
  allow: string;
  /** What a non-compliant input gets: deny (default) or warn. */
  effect: 'deny' | 'warn';
  reasons?: { allow?: string; deny?: string };
}

export interface Decision {
  id: string;
  result: 'allow' | 'deny' | 'warn';
  reason: string;
  time_ns: number;
}

/** Reads a policy file: `policies: [{id, allow, effect?, description?, reasons?}]`; each expression is parsed up front. */
export function loadPolicies(text: string, file: string): { def: PolicyDef; ast: ReturnType<typeof parseCel> }[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CiError('E_POLICY_INVALID', `not valid YAML: ${(e as Error).message.split('\n')[0]}`, { where: file });
  }
  const list = (doc as { policies?: unknown } | null)?.policies;
  if (!Array.isArray(list))
    throw new CiError('E_POLICY_INVALID', 'no policies: list', { where: file, hint: 'policies: [{ id: name, allow: "<CEL expression>" }]' });
  const ids = new Set<string>();
  return list.map((p: unknown, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const where = `${file}: /policies/${i}`;
    if (typeof o.id !== 'string' || !o.id) throw new CiError('E_POLICY_INVALID', 'a policy needs an id', { where });
    if (ids.has(o.id)) throw new CiError('E_POLICY_INVALID', `policy id ${o.id} is used twice`, { where });
    ids.add(o.id);
    if (typeof o.allow !== 'string') throw new CiError('E_POLICY_INVALID', `policy ${o.id} needs an allow: expression`, { where });
    const effect = o.effect ?? 'deny';
    if (effect !== 'deny' && effect !== 'warn')
      throw new CiError('E_POLICY_INVALID', `effect must be deny or warn, not ${String(effect)}`, { where: `${where}/effect` });
    try {
      const ast = parseCel(o.allow);
      return { def: { id: o.id, description: o.description as string | undefined, allow: o.allow, effect, reasons: o.reasons as PolicyDef['reasons'] }, ast };
    } catch (e) {
      if (e instanceof CelError)
        throw new CiError('E_POLICY_INVALID', `policy ${o.id}: ${e.message}${e.offset !== undefined ? ` (at character ${e.offset + 1})` : ''}`, {
          where: `${where}/allow`,
        });
      throw e;
    }
  });
}

/**
 * Evaluates every policy on the input; `now` is given (never read from the clock inside), as
 * `now` in nanoseconds since the epoch. An expression that fails on the input is a deny with the
 * error as its reason: a policy that cannot be checked does not pass.
 */
export function evaluatePolicies(
  policies: ReturnType<typeof loadPolicies>,
  input: Value,
  now: Date,
  hrtime: () => bigint = () => process.hrtime.bigint(),
): Decision[] {
  return policies.map(({ def, ast }) => {
    const t0 = hrtime();
    let ok: boolean;
    let error: string | null = null;
    try {
      const v = evalCel(ast, { input, now: now.getTime() * 1e6 });
      if (typeof v !== 'boolean') throw new CelError(`the expression gives ${JSON.stringify(v)}, not true or false`);
      ok = v;
    } catch (e) {
      if (!(e instanceof CelError)) throw e;
      ok = false;
      error = e.message;
    }
    const time_ns = Number(hrtime() - t0);
    if (ok) return { id: def.id, result: 'allow', reason: def.reasons?.allow ?? `${def.id}: the input complies`, time_ns };
    return {
      id: def.id,
      result: error ? 'deny' : def.effect,
      reason: error ? `${def.id} could not be evaluated: ${error}` : (def.reasons?.deny ?? `${def.id}: the input does not comply (${def.allow})`),
      time_ns,
    };
  });
}
