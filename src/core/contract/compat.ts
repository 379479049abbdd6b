// Schema compatibility (seed 000 "schema registry with semver, compatibility tests"; the modes of
// Confluent's registry): is every document one JSON Schema accepts still accepted by the other?
//   backward: NEW reads what OLD wrote (consumers upgrade first) — every OLD-valid document is NEW-valid;
//   forward:  OLD reads what NEW writes (producers upgrade first) — the same check, swapped;
//   full:     both.
// The check walks both schemas side by side and reports each narrowing with the JSON pointer of the
// schema location: a property newly required, a property or value removed, a type or enum narrowed,
// additionalProperties tightened, a bound raised or lowered, a pattern or format added or changed.
// It is sound for the keywords our contracts use and conservative for the rest: a change it cannot
// prove harmless (a new pattern, a changed anyOf) is reported, never silently passed.

export type CompatMode = 'backward' | 'forward' | 'full';
export const COMPAT_MODES: readonly CompatMode[] = ['backward', 'forward', 'full'];

export interface Incompatibility {
  /** Where in the schema (JSON pointer into the schema being checked, NEW for backward, OLD for forward). */
  pointer: string;
  kind:
    | 'required-added'
    | 'property-removed'
    | 'type-narrowed'
    | 'enum-narrowed'
    | 'const-changed'
    | 'additional-properties-tightened'
    | 'bound-tightened'
    | 'pattern-changed'
    | 'format-added'
    | 'composition-changed'
    | 'schema-false';
  /** Which direction it breaks: readers of NEW on OLD data (backward) or readers of OLD on NEW data (forward). */
  direction: 'backward' | 'forward';
  message: string;
}

/** A schema that cannot be read: the pointer and what is wrong. */
export class SchemaError extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

type Schema = boolean | Record<string, unknown>;

const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** Resolves local `$ref`s (`#/...`); anything else is a SchemaError naming where it was met. */
function deref(root: Schema, s: unknown, at: string, seen = new Set<string>()): Schema {
  if (typeof s === 'boolean') return s;
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new SchemaError(at || '/', 'a schema must be an object or a boolean');
  const o = s as Record<string, unknown>;
  if (typeof o.$ref !== 'string') return o;
  const ref = o.$ref;
  if (!ref.startsWith('#')) throw new SchemaError(`${at}/$ref`, `only local references (#/...) can be checked offline, not ${ref}`);
  if (seen.has(ref)) throw new SchemaError(`${at}/$ref`, `${ref} refers to itself`);
  let cur: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!cur || typeof cur !== 'object' || !(key in (cur as object))) throw new SchemaError(`${at}/$ref`, `${ref} points to nothing`);
    cur = (cur as Record<string, unknown>)[key];
  }
  return deref(root, cur, at, new Set([...seen, ref]));
}

const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

/** The JSON types a schema allows (integer is a number); null means any. */
function typesOf(s: Record<string, unknown>, at: string): Set<string> | null {
  const t = s.type;
  if (t === undefined) return null;
  const list = Array.isArray(t) ? t : [t];
  for (const [i, x] of list.entries())
    if (typeof x !== 'string' || !TYPES.has(x)) throw new SchemaError(Array.isArray(t) ? `${at}/type/${i}` : `${at}/type`, `unknown type ${JSON.stringify(x)}`);
  return new Set(list as string[]);
}

function objectOf(s: Record<string, unknown>, key: string, at: string): Record<string, unknown> {
  const v = s[key];
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SchemaError(`${at}/${key}`, `${key} must be an object`);
  return v as Record<string, unknown>;
}

function stringsOf(s: Record<string, unknown>, key: string, at: string): string[] {
  const v = s[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new SchemaError(`${at}/${key}`, `${key} must be a list of names`);
  return v as string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Narrowings from `wide` (the writer's schema) to `narrow` (the reader's): each is a document the
 * writer may produce and the reader refuses. Pointers are into the reader's schema.
 */
function narrowings(wideRoot: Schema, narrowRoot: Schema, direction: 'backward' | 'forward'): Incompatibility[] {
  const out: Incompatibility[] = [];
  const report = (pointer: string, kind: Incompatibility['kind'], message: string) => out.push({ pointer: pointer || '/', kind, direction, message });

  const walk = (w0: unknown, n0: unknown, wAt: string, nAt: string, depth: number): void => {
    if (depth > 64) throw new SchemaError(nAt || '/', 'the schema nests deeper than 64 levels');
    const w = deref(wideRoot, w0, wAt);
    const n = deref(narrowRoot, n0, nAt);
    if (w === false || n === true) return;
    if (n === false) return void report(nAt, 'schema-false', 'the reader accepts nothing here (false) where the writer may write a value');
    const ws: Record<string, unknown> = w === true ? {} : w;
    const ns = n;

    // Types: every type the writer allows must be allowed by the reader (a number is not an integer).
    const wt = typesOf(ws, wAt);
    const nt = typesOf(ns, nAt);
    if (nt) {
      const lost = (wt ? [...wt] : [...TYPES].filter((t) => t !== 'integer')).filter((t) => !nt.has(t) && !(t === 'integer' && nt.has('number')));
      if (lost.length) report(`${nAt}/type`, 'type-narrowed', `type ${[...nt].join('|')} no longer accepts ${lost.join(', ')}`);
    }
    const allows = (t: string) => !wt || wt.has(t) || (t === 'number' && wt.has('integer'));

    // Values.
    if (ns.enum !== undefined) {
      if (!Array.isArray(ns.enum)) throw new SchemaError(`${nAt}/enum`, 'enum must be a list');
      const wv = Array.isArray(ws.enum) ? ws.enum : ws.const !== undefined ? [ws.const] : null;
      const lost = wv ? wv.filter((v) => !(ns.enum as unknown[]).some((x) => same(x, v))) : null;
      if (lost === null) report(`${nAt}/enum`, 'enum-narrowed', 'an enum is added where any value was accepted');
      else if (lost.length) report(`${nAt}/enum`, 'enum-narrowed', `values no longer accepted: ${lost.map((v) => JSON.stringify(v)).join(', ')}`);
    }
    if (
      ns.const !== undefined &&
      !(ws.const !== undefined && same(ws.const, ns.const)) &&
      !(Array.isArray(ws.enum) && ws.enum.length === 1 && same(ws.enum[0], ns.const))
    )
      report(`${nAt}/const`, 'const-changed', `only ${JSON.stringify(ns.const)} is accepted now`);

    // Bounds: a reader's lower bound above the writer's, or upper bound below it.
    const bound = (key: string, lower: boolean, applies: boolean) => {
      if (!applies || ns[key] === undefined) return;
      if (typeof ns[key] !== 'number') throw new SchemaError(`${nAt}/${key}`, `${key} must be a number`);
      const wv = ws[key];
      const tighter = typeof wv !== 'number' || (lower ? (ns[key] as number) > wv : (ns[key] as number) < wv);
      if (tighter) report(`${nAt}/${key}`, 'bound-tightened', `${key} ${String(ns[key])}${typeof wv === 'number' ? ` (was ${wv})` : ' (was unbounded)'}`);
    };
    const num = allows('number') || allows('integer');
    for (const k of ['minimum', 'exclusiveMinimum']) bound(k, true, num);
    for (const k of ['maximum', 'exclusiveMaximum']) bound(k, false, num);
    bound('minLength', true, allows('string'));
    bound('maxLength', false, allows('string'));
    bound('minItems', true, allows('array'));
    bound('maxItems', false, allows('array'));
    bound('minProperties', true, allows('object'));
    bound('maxProperties', false, allows('object'));
    if (allows('string') && ns.pattern !== undefined && ns.pattern !== ws.pattern)
      report(`${nAt}/pattern`, 'pattern-changed', `pattern ${String(ns.pattern)}${ws.pattern === undefined ? ' is new' : ` (was ${String(ws.pattern)})`}`);
    if (allows('string') && ns.format !== undefined && ns.format !== ws.format)
      report(`${nAt}/format`, 'format-added', `format ${String(ns.format)}${ws.format === undefined ? ' is new' : ` (was ${String(ws.format)})`}`);

    // Objects.
    if (allows('object')) {
      const wp = objectOf(ws, 'properties', wAt);
      const np = objectOf(ns, 'properties', nAt);
      const wreq = new Set(stringsOf(ws, 'required', wAt));
      stringsOf(ns, 'required', nAt).forEach((name, i) => {
        if (!wreq.has(name)) report(`${nAt}/required/${i}`, 'required-added', `${name} is required now; documents without it are refused`);
      });
      const nAdd = ns.additionalProperties;
      const wAdd = ws.additionalProperties;
      for (const [name, wsub] of Object.entries(wp)) {
        if (name in np) walk(wsub, np[name], `${wAt}/properties/${esc(name)}`, `${nAt}/properties/${esc(name)}`, depth + 1);
        else if (nAdd === false) report(`${nAt}/properties`, 'property-removed', `${name} is no longer a property and additional properties are refused`);
        else if (nAdd !== undefined) walk(wsub, nAdd, `${wAt}/properties/${esc(name)}`, `${nAt}/additionalProperties`, depth + 1);
      }
      // Properties the writer leaves to additionalProperties and the reader now constrains.
      for (const [name, nsub] of Object.entries(np))
        if (!(name in wp) && wAdd !== false) walk(wAdd ?? true, nsub, `${wAt}/additionalProperties`, `${nAt}/properties/${esc(name)}`, depth + 1);
      if (nAdd !== undefined && wAdd !== false) {
        if (nAdd === false) report(`${nAt}/additionalProperties`, 'additional-properties-tightened', 'properties not listed are refused now');
        else walk(wAdd ?? true, nAdd, `${wAt}/additionalProperties`, `${nAt}/additionalProperties`, depth + 1);
      }
    }

    // Arrays: the first items one by one (prefixItems, else items), then the rest.
    if (allows('array') && (ns.prefixItems !== undefined || ws.prefixItems !== undefined)) {
      const np = ns.prefixItems === undefined ? [] : ns.prefixItems;
      const wp = ws.prefixItems === undefined ? [] : ws.prefixItems;
      if (!Array.isArray(np)) throw new SchemaError(`${nAt}/prefixItems`, 'prefixItems must be a list of schemas');
      if (!Array.isArray(wp)) throw new SchemaError(`${wAt}/prefixItems`, 'prefixItems must be a list of schemas');
      for (let i = 0; i < Math.max(np.length, wp.length); i++) {
        const [wi, wPath] = i < wp.length ? [wp[i], `${wAt}/prefixItems/${i}`] : [ws.items ?? true, `${wAt}/items`];
        const [ni, nPath] = i < np.length ? [np[i], `${nAt}/prefixItems/${i}`] : [ns.items ?? true, `${nAt}/items`];
        walk(wi, ni, wPath, nPath, depth + 1);
      }
    }
    if (allows('array') && ns.items !== undefined) walk(ws.items ?? true, ns.items, `${wAt}/items`, `${nAt}/items`, depth + 1);
    // Property names (an object's keys checked by a schema of their own).
    if (allows('object') && ns.propertyNames !== undefined)
      walk(ws.propertyNames ?? true, ns.propertyNames, `${wAt}/propertyNames`, `${nAt}/propertyNames`, depth + 1);
    // `not`: what it refuses cannot be compared part by part; any change is reported.
    if (ns.not !== undefined && !same(ws.not, ns.not))
      report(`${nAt}/not`, 'composition-changed', 'not changed; whether every earlier document still matches cannot be shown');

    // Compositions: compared branch by branch when both have the same number, else reported.
    for (const key of ['anyOf', 'oneOf', 'allOf']) {
      const nb = ns[key];
      const wb = ws[key];
      if (nb === undefined) continue;
      if (!Array.isArray(nb)) throw new SchemaError(`${nAt}/${key}`, `${key} must be a list of schemas`);
      if (!Array.isArray(wb) || wb.length !== nb.length) {
        if (!same(wb, nb))
          report(`${nAt}/${key}`, 'composition-changed', `${key} changed; whether every earlier document still matches cannot be shown branch by branch`);
        continue;
      }
      nb.forEach((b, i) => walk(wb[i], b, `${wAt}/${key}/${i}`, `${nAt}/${key}/${i}`, depth + 1));
    }
  };
  walk(wideRoot, narrowRoot, '', '', 0);
  return out;
}

/** The incompatibilities of NEW against OLD in a mode, sorted by pointer. */
export function checkCompatibility(oldSchema: unknown, newSchema: unknown, mode: CompatMode): Incompatibility[] {
  const o = deref(oldSchema as Schema, oldSchema, '');
  const n = deref(newSchema as Schema, newSchema, '');
  const out: Incompatibility[] = [];
  if (mode !== 'forward') out.push(...narrowings(o, n, 'backward'));
  if (mode !== 'backward') out.push(...narrowings(n, o, 'forward'));
  return out.sort((a, b) => (a.direction < b.direction ? -1 : a.direction > b.direction ? 1 : a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}
