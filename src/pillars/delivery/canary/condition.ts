// Argo Rollouts' `successCondition` / `failureCondition` bounds, the subset canary templates use:
// comparisons of `result[0]` (or `result`) with a number, joined by `&&` / `||` (also `and` / `or`),
// e.g. `result[0] >= 0.95`, `result[0] < 0.5`, `result[0] >= 0.9 && result[0] <= 1`. Anything else
// is refused with the expression quoted, so a template never silently means something else here.

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';
interface Comparison {
  op: Op;
  value: number;
}
/** Disjunction of conjunctions of comparisons of the measurement with a constant. */
export interface Condition {
  text: string;
  any: Comparison[][];
}

const COMPARISON =
  /^(?:result(?:\[0\])?\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)|(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(<=|>=|==|!=|<|>)\s*result(?:\[0\])?)$/i;
const FLIP: Record<Op, Op> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/** Parses a bound; returns an error message (without location) when it is outside the subset. */
export function parseCondition(text: string): Condition | string {
  const any = text.split(/\|\||\bor\b/).map((alt) =>
    alt.split(/&&|\band\b/).map((part): Comparison | null => {
      const m = COMPARISON.exec(part.trim());
      if (!m) return null;
      return m[1] ? { op: m[1] as Op, value: Number(m[2]) } : { op: FLIP[m[4] as Op], value: Number(m[3]) };
    }),
  );
  if (any.some((all) => all.some((c) => c === null)))
    return `cannot read the condition ${JSON.stringify(text)}: write comparisons of result[0] with a number joined by && or ||, e.g. "result[0] >= 0.95"`;
  return { text, any: any as Comparison[][] };
}

export function holds(c: Condition, x: number): boolean {
  return c.any.some((all) => all.every(({ op, value }) => compare(x, op, value)));
}

function compare(x: number, op: Op, v: number): boolean {
  switch (op) {
    case '<':
      return x < v;
    case '<=':
      return x <= v;
    case '>':
      return x > v;
    case '>=':
      return x >= v;
    case '==':
      return x === v;
    default:
      return x !== v;
  }
}

/** Which way is better, read from the first comparison: `>=`/`>` bounds mean higher is better. */
export function directionOf(c: Condition): 'higher-is-better' | 'lower-is-better' | null {
  const op = c.any[0]?.[0]?.op;
  if (op === '>' || op === '>=') return 'higher-is-better';
  if (op === '<' || op === '<=') return 'lower-is-better';
  return null;
}
