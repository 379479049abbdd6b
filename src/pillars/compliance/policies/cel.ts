// A subset of CEL (Common Expression Language, github.com/google/cel-spec) for user policies:
// literals (int, double, string, bool, null, lists, maps), member and index access, ! - * / % + -,
// comparisons, `in`, && || (short-circuit, commutative errors aside), ?:, and the functions
// size, has, startsWith, endsWith, contains, matches, int, string, duration("15m") and
// timestamp("...") (both as nanoseconds), plus the macros all, exists, exists_one, map, filter.
// Evaluation is total: no loops beyond the macros over finite lists, no side effects.

export type Value = null | boolean | number | string | Value[] | { [k: string]: Value };

export class CelError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

type Ast =
  | { k: 'lit'; v: Value }
  | { k: 'id'; name: string }
  | { k: 'list'; items: Ast[] }
  | { k: 'map'; entries: [Ast, Ast][] }
  | { k: 'member'; obj: Ast; name: string }
  | { k: 'index'; obj: Ast; index: Ast }
  | { k: 'call'; target: Ast | null; name: string; args: Ast[] }
  | { k: 'un'; op: string; x: Ast }
  | { k: 'bin'; op: string; l: Ast; r: Ast }
  | { k: 'cond'; c: Ast; a: Ast; b: Ast };

interface Tok {
  t: 'num' | 'str' | 'id' | 'op' | 'end';
  v: string;
  at: number;
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  const re =
    /\s+|\/\/[^\n]*|(\d+\.\d+(?:[eE][+-]?\d+)?|\d+)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|<=|>=|[-+*/%<>!?:.,()[\]{}])/y;
  let i = 0;
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new CelError(`unexpected character ${JSON.stringify(src[i])}`, i);
    if (m[1]) out.push({ t: 'num', v: m[1], at: i });
    else if (m[2]) out.push({ t: 'str', v: m[2], at: i });
    else if (m[3]) out.push({ t: 'id', v: m[3], at: i });
    else if (m[4]) out.push({ t: 'op', v: m[4], at: i });
    i = re.lastIndex;
  }
  out.push({ t: 'end', v: '', at: src.length });
  return out;
}

const unquote = (s: string) => JSON.parse(s[0] === "'" ? `"${s.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"` : s) as string;

const PREC: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, in: 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5 };

export function parseCel(src: string): Ast {
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const expect = (v: string) => {
    const t = next();
    if (t.v !== v) throw new CelError(`expected "${v}" but found "${t.v || 'end of expression'}"`, t.at);
  };
  const args = (close: string): Ast[] => {
    const out: Ast[] = [];
    if (peek().v === close) {
      next();
      return out;
    }
    for (;;) {
      out.push(expr());
      const t = next();
      if (t.v === close) return out;
      if (t.v !== ',') throw new CelError(`expected "," or "${close}"`, t.at);
    }
  };
  const primary = (): Ast => {
    const t = next();
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'str') return { k: 'lit', v: unquote(t.v) };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (peek().v === '(') {
        next();
        return { k: 'call', target: null, name: t.v, args: args(')') };
      }
      return { k: 'id', name: t.v };
    }
    if (t.v === '(') {
      const e = expr();
      expect(')');
      return e;
    }
    if (t.v === '[') return { k: 'list', items: args(']') };
    if (t.v === '{') {
      const entries: [Ast, Ast][] = [];
      if (peek().v === '}') next();
      else
        for (;;) {
          const key = expr();
          expect(':');
          entries.push([key, expr()]);
          const s = next();
          if (s.v === '}') break;
          if (s.v !== ',') throw new CelError('expected "," or "}"', s.at);
        }
      return { k: 'map', entries };
    }
    if (t.v === '!' || t.v === '-') return { k: 'un', op: t.v, x: postfix(primary()) };
    throw new CelError(`unexpected "${t.v || 'end of expression'}"`, t.at);
  };
  const postfix = (e: Ast): Ast => {
    for (;;) {
      const t = peek();
      if (t.v === '.') {
        next();
        const name = next();
        if (name.t !== 'id') throw new CelError('expected a field or method name', name.at);
        if (peek().v === '(') {
          next();
          e = { k: 'call', target: e, name: name.v, args: args(')') };
        } else e = { k: 'member', obj: e, name: name.v };
      } else if (t.v === '[') {
        next();
        const index = expr();
        expect(']');
        e = { k: 'index', obj: e, index };
      } else return e;
    }
  };
  const binary = (min: number): Ast => {
    let l = postfix(primary());
    for (;;) {
      const t = peek();
      const op = t.t === 'op' || t.v === 'in' ? t.v : '';
      const prec = PREC[op];
      if (!prec || prec < min) return l;
      next();
      l = { k: 'bin', op, l, r: binary(prec + 1) };
    }
  };
  const expr = (): Ast => {
    const c = binary(1);
    if (peek().v !== '?') return c;
    next();
    const a = expr();
    expect(':');
    return { k: 'cond', c, a, b: expr() };
  };
  const e = expr();
  if (peek().t !== 'end') throw new CelError(`unexpected "${peek().v}"`, peek().at);
  return e;
}

const UNITS: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, ns: 1 };

function durationNs(s: string): number {
  let total = 0;
  const re = /(-?\d+(?:\.\d+)?)(h|ms|us|ns|m|s)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (!s || end !== s.length) throw new CelError(`duration("${s}") is not a duration (e.g. "15m", "1h30m")`);
  return total;
}

const isList = (v: Value): v is Value[] => Array.isArray(v);
const isMap = (v: Value): v is { [k: string]: Value } => v !== null && typeof v === 'object' && !Array.isArray(v);

function equal(a: Value, b: Value): boolean {
  if (isList(a) && isList(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k]!, b[k]!));
  }
  return a === b;
}

function truthy(v: Value, what: string): boolean {
  if (typeof v !== 'boolean') throw new CelError(`${what} must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

export function evalCel(ast: Ast, vars: Record<string, Value>): Value {
  const ev = (a: Ast, env: Record<string, Value>): Value => {
    switch (a.k) {
      case 'lit':
        return a.v;
      case 'id':
        if (!(a.name in env)) throw new CelError(`undeclared reference to "${a.name}"`);
        return env[a.name]!;
      case 'list':
        return a.items.map((x) => ev(x, env));
      case 'map':
        return Object.fromEntries(a.entries.map(([k, v]) => [String(ev(k, env)), ev(v, env)]));
      case 'member': {
        const o = ev(a.obj, env);
        if (!isMap(o) || !(a.name in o)) throw new CelError(`no such key: ${a.name}`);
        return o[a.name]!;
      }
      case 'index': {
        const o = ev(a.obj, env);
        const i = ev(a.index, env);
        if (isList(o) && typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < o.length) return o[i]!;
        if (isMap(o) && typeof i === 'string' && i in o) return o[i]!;
        throw new CelError(`no such key or index: ${JSON.stringify(i)}`);
      }
      case 'un': {
        const x = ev(a.x, env);
        if (a.op === '!') return !truthy(x, 'the operand of !');
        if (typeof x !== 'number') throw new CelError('- needs a number');
        return -x;
      }
      case 'cond':
        return truthy(ev(a.c, env), 'the condition of ?:') ? ev(a.a, env) : ev(a.b, env);
      case 'bin':
        return binop(a, env);
      case 'call':
        return call(a, env);
    }
  };
  const binop = (a: Extract<Ast, { k: 'bin' }>, env: Record<string, Value>): Value => {
    if (a.op === '&&') return truthy(ev(a.l, env), 'the left side of &&') && truthy(ev(a.r, env), 'the right side of &&');
    if (a.op === '||') return truthy(ev(a.l, env), 'the left side of ||') || truthy(ev(a.r, env), 'the right side of ||');
    const l = ev(a.l, env);
    const r = ev(a.r, env);
    switch (a.op) {
      case '==':
        return equal(l, r);
      case '!=':
        return !equal(l, r);
      case 'in':
        if (isList(r)) return r.some((x) => equal(x, l));
        if (isMap(r) && typeof l === 'string') return l in r;
        throw new CelError('"in" needs a list or a map on its right');
    }
    if (a.op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
    if (a.op === '+' && isList(l) && isList(r)) return [...l, ...r];
    if (typeof l === 'string' && typeof r === 'string' && ['<', '<=', '>', '>='].includes(a.op))
      return a.op === '<' ? l < r : a.op === '<=' ? l <= r : a.op === '>' ? l > r : l >= r;
    if (typeof l !== 'number' || typeof r !== 'number') throw new CelError(`"${a.op}" needs two numbers`);
    switch (a.op) {
      case '+':
        return l + r;
      case '-':
        return l - r;
      case '*':
        return l * r;
      case '/':
        if (r === 0) throw new CelError('division by zero');
        return l / r;
      case '%':
        if (r === 0) throw new CelError('modulus by zero');
        return l % r;
      case '<':
        return l < r;
      case '<=':
        return l <= r;
      case '>':
        return l > r;
      default:
        return l >= r;
    }
  };
  const call = (a: Extract<Ast, { k: 'call' }>, env: Record<string, Value>): Value => {
    if (a.target && MACROS.has(a.name)) {
      const list = ev(a.target, env);
      const items = isList(list) ? list : isMap(list) ? Object.keys(list) : null;
      if (!items) throw new CelError(`${a.name}() needs a list or a map`);
      const v = a.args[0];
      if (a.args.length !== 2 || v?.k !== 'id') throw new CelError(`${a.name}(x, expression) takes a variable name and an expression`);
      const each = (x: Value) => ev(a.args[1]!, { ...env, [v.name]: x });
      switch (a.name) {
        case 'all':
          return items.every((x) => truthy(each(x), 'the predicate of all()'));
        case 'exists':
          return items.some((x) => truthy(each(x), 'the predicate of exists()'));
        case 'exists_one':
          return items.filter((x) => truthy(each(x), 'the predicate of exists_one()')).length === 1;
        case 'map':
          return items.map(each);
        default:
          return items.filter((x) => truthy(each(x), 'the predicate of filter()'));
      }
    }
    if (a.name === 'has' && !a.target) {
      const m = a.args[0];
      if (m?.k !== 'member') throw new CelError('has() takes a field selection, e.g. has(input.env)');
      const o = ev(m.obj, env);
      return isMap(o) && m.name in o;
    }
    const args = a.args.map((x) => ev(x, env));
    const self = a.target ? ev(a.target, env) : undefined;
    const all = self === undefined ? args : [self, ...args];
    const s0 = all[0];
    switch (a.name) {
      case 'size':
        if (typeof s0 === 'string' || isList(s0 ?? null)) return (s0 as string | Value[]).length;
        if (isMap(s0 ?? null)) return Object.keys(s0 as object).length;
        throw new CelError('size() needs a string, a list or a map');
      case 'startsWith':
      case 'endsWith':
      case 'contains':
      case 'matches': {
        const [s, x] = all;
        if (typeof s !== 'string' || typeof x !== 'string') throw new CelError(`${a.name}() needs strings`);
        if (a.name === 'matches') return new RegExp(x).test(s);
        return a.name === 'startsWith' ? s.startsWith(x) : a.name === 'endsWith' ? s.endsWith(x) : s.includes(x);
      }
      case 'int':
        return Math.trunc(Number(s0));
      case 'string':
        return typeof s0 === 'string' ? s0 : JSON.stringify(s0);
      case 'duration':
        if (typeof s0 !== 'string') throw new CelError('duration() needs a string');
        return durationNs(s0);
      case 'timestamp': {
        const t = typeof s0 === 'string' ? Date.parse(s0) : NaN;
        if (Number.isNaN(t)) throw new CelError(`timestamp(${JSON.stringify(s0)}) is not an RFC 3339 time`);
        return t * 1e6;
      }
    }
    throw new CelError(`unknown function ${a.name}()`);
  };
  return ev(ast, vars);
}
