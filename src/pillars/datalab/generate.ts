// Rows for a schema, from fast-check arbitraries derived from its catalog (catalog.ts): one
// arbitrary per column type, narrowed by the CHECK bounds it can read (`qty >= 0`, `status IN
// (...)`, `char_length(name) >= 3`); NOT NULL columns never null; keys unique; foreign keys pick
// rows of the parent table (parents generated first). Checks it cannot read are enforced by the
// `accept` callback (the server evaluates them, seed.ts), and rejected rows are drawn again.
// Deterministic: the same catalog, seed and counts give the same rows.
import fc from 'fast-check';
import { CiError } from '../../core/errors.js';
import type { Column, Table } from './catalog.js';

export type Value = string | number | boolean | null;

export interface TableRows {
  table: string;
  columns: string[];
  rows: Value[][];
  /** A GENERATED ALWAYS identity column is written: INSERT needs OVERRIDING SYSTEM VALUE. */
  overriding: boolean;
  /** Columns fed by a sequence, to be set past the values written. */
  sequences: string[];
}

export interface SeedPlan {
  seed: number;
  /** Rows per table; tables not named get `defaultRows`. */
  rows: Record<string, number>;
  defaultRows: number;
}

/** Says for each candidate row whether the table's CHECK constraints hold (all true when none). */
export type Accept = (table: Table, columns: string[], rows: Value[][]) => Promise<boolean[]>;

interface Bounds {
  min?: number;
  max?: number;
  minLen?: number;
  maxLen?: number;
  oneOf?: string[];
}

const num = (s: string) => Number(s.replace(/[()]/g, ''));

/** Bounds a column's checks state plainly; anything else is left to the server's verdict. */
export function boundsOf(table: Table, column: string): Bounds {
  const b: Bounds = {};
  const c = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const { expr } of table.checks) {
    if (/\bOR\b/i.test(expr)) continue;
    const cmp = new RegExp(`\\(+(?:"?${c}"?)(?:\\)?::[\\w ]+)?\\s*(>=|<=|>|<)\\s*\\(*'?(-?[\\d.]+)'?\\)?(?:::[\\w ]+)?`, 'g');
    for (const m of expr.matchAll(cmp)) {
      const v = num(m[2]!);
      if (m[1] === '>' || m[1] === '>=') b.min = Math.max(b.min ?? -Infinity, m[1] === '>' ? v + (Number.isInteger(v) ? 1 : 0.01) : v);
      else b.max = Math.min(b.max ?? Infinity, m[1] === '<' ? v - (Number.isInteger(v) ? 1 : 0.01) : v);
    }
    const len = new RegExp(`(?:char_length|length)\\(\\(?"?${c}"?\\)?(?:::\\w+)?\\)\\s*(>=|<=|>|<|=)\\s*(\\d+)`, 'g');
    for (const m of expr.matchAll(len)) {
      const v = Number(m[2]);
      if (m[1] === '>' || m[1] === '>=' || m[1] === '=') b.minLen = Math.max(b.minLen ?? 0, m[1] === '>' ? v + 1 : v);
      if (m[1] === '<' || m[1] === '<=' || m[1] === '=') b.maxLen = Math.min(b.maxLen ?? Infinity, m[1] === '<' ? v - 1 : v);
    }
    const any = new RegExp(`\\(*"?${c}"?\\)?(?:::[\\w ]+)?\\s*=\\s*ANY\\s*\\(+ARRAY\\[([^\\]]*)\\]`).exec(expr);
    if (any) b.oneOf = [...any[1]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
  }
  return b;
}

const clamp = (lo: number, hi: number, b: Bounds) => ({ min: Math.max(lo, Math.ceil(b.min ?? lo)), max: Math.min(hi, Math.floor(b.max ?? hi)) });
const INT_RANGE = { int2: [-32768, 32767], int4: [-2147483648, 2147483647], int8: [-(2 ** 53 - 1), 2 ** 53 - 1] } as const;
const DAY = 86_400_000;
const FROM = Date.UTC(2000, 0, 1);
const TO = Date.UTC(2035, 0, 1);

/** The arbitrary of one column's non-null values, or null when the type is not supported. */
export function columnArbitrary(col: Column, b: Bounds): fc.Arbitrary<Value> | null {
  if (b.oneOf && b.oneOf.length) return fc.constantFrom(...b.oneOf);
  if (col.enumLabels) return col.enumLabels.length ? fc.constantFrom(...col.enumLabels) : null;
  const t = col.typname;
  if (t === 'int2' || t === 'int4' || t === 'int8') {
    const [lo, hi] = INT_RANGE[t];
    // Values people read: mostly small, within what the checks allow.
    const r = clamp(Math.max(lo, -1_000_000), Math.min(hi, 1_000_000), b);
    if (r.min > r.max) return null;
    return fc.integer(r).map((n) => (t === 'int8' ? String(n) : n));
  }
  if (t === 'numeric') {
    const scale = col.scale ?? 2;
    const whole = col.precision !== undefined ? 10 ** (col.precision - scale) - 10 ** -scale : 1_000_000;
    const f = 10 ** scale;
    const lo = Math.ceil(Math.max(-whole, b.min ?? -whole) * f);
    const hi = Math.floor(Math.min(whole, b.max ?? whole) * f);
    if (lo > hi) return null;
    return fc.integer({ min: Math.max(lo, -(2 ** 53 - 1)), max: Math.min(hi, 2 ** 53 - 1) }).map((n) => (n / f).toFixed(scale));
  }
  if (t === 'float4' || t === 'float8') {
    const r = { min: Math.max(-1e6, b.min ?? -1e6), max: Math.min(1e6, b.max ?? 1e6) };
    return fc.double({ ...r, noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));
  }
  if (t === 'text' || t === 'varchar' || t === 'bpchar' || t === 'name' || t === 'citext') {
    const maxLength = Math.min(col.maxLength ?? 24, b.maxLen ?? Infinity, Math.max(24, b.minLen ?? 0));
    const minLength = Math.min(b.minLen ?? 0, maxLength);
    // char(n) pads with blanks, so trailing blanks would collide on unique keys: trim them away.
    return fc.string({ minLength, maxLength }).map((s) => (t === 'bpchar' ? s.replace(/ +$/, '') : s));
  }
  if (t === 'bool') return fc.boolean();
  if (t === 'uuid') return fc.uuid();
  if (t === 'date') return fc.integer({ min: FROM / DAY, max: TO / DAY }).map((d) => new Date(d * DAY).toISOString().slice(0, 10));
  if (t === 'timestamp' || t === 'timestamptz')
    return fc.integer({ min: FROM / 1000, max: TO / 1000 }).map((s) =>
      new Date(s * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace('.000Z', t === 'timestamptz' ? '+00' : ''),
    );
  if (t === 'json' || t === 'jsonb')
    return fc
      .dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 12 }), fc.boolean()), { maxKeys: 4 })
      .map((o) => JSON.stringify(o));
  if (t === 'bytea') return fc.uint8Array({ maxLength: 16 }).map((a) => `\\x${Buffer.from(a).toString('hex')}`);
  return null;
}

/** Tables in an order where every parent comes before its children; a cycle is an error. */
export function insertionOrder(tables: Table[]): Table[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: Table[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: Table, path: string[]) => {
    if (state.get(t.name) === 'done') return;
    if (state.get(t.name) === 'visiting')
      throw new CiError('E_DATALAB_SEED', `the foreign keys of ${[...path, t.name].join(' → ')} form a cycle`, {
        where: `table ${t.name}`,
        hint: 'make one of the keys nullable or DEFERRABLE and fill it in a seed hook (--hook seed.sql)',
      });
    state.set(t.name, 'visiting');
    for (const fk of t.foreignKeys) {
      const parent = byName.get(fk.refTable);
      if (parent && parent !== t) visit(parent, [...path, t.name]);
    }
    state.set(t.name, 'done');
    out.push(t);
  };
  for (const t of tables) visit(t, []);
  return out;
}

/** A stable 32-bit seed per table, so adding a table does not change the others' rows. */
function tableSeed(seed: number, name: string): number {
  let h = seed | 0;
  for (const ch of name) h = (Math.imul(h ^ ch.charCodeAt(0), 0x01000193) + 0x9e3779b9) | 0;
  return h;
}

export async function generateRows(tables: Table[], plan: SeedPlan, accept: Accept): Promise<TableRows[]> {
  const done = new Map<string, TableRows>();
  for (const table of insertionOrder(tables)) done.set(table.name, await generateTable(table, plan, done, accept));
  return [...done.values()];
}

async function generateTable(table: Table, plan: SeedPlan, parents: Map<string, TableRows>, accept: Accept): Promise<TableRows> {
  const n = plan.rows[table.name] ?? plan.defaultRows;
  const cols = table.columns.filter((c) => !c.generated);
  const fkOf = new Map<string, { fk: Table['foreignKeys'][number]; pos: number }>();
  for (const fk of table.foreignKeys) fk.columns.forEach((c, pos) => fkOf.set(c, { fk, pos }));
  // A single-column integer key fed by a sequence (or with no bounds) is numbered: unique by construction.
  const numbered = new Set(
    table.uniques
      .filter((u) => u.length === 1)
      .flatMap((u) => {
        const c = cols.find((x) => x.name === u[0]);
        return c && /^int[248]$/.test(c.typname) && !fkOf.has(c.name) && (c.sequence || boundsOf(table, c.name).min === undefined) ? [c.name] : [];
      }),
  );
  for (const c of cols) if (c.sequence) numbered.add(c.name);
  const arbs: Record<string, fc.Arbitrary<Value>> = {};
  for (const c of cols) {
    if (numbered.has(c.name) || fkOf.has(c.name)) continue;
    const arb = columnArbitrary(c, boundsOf(table, c.name));
    if (!arb) {
      if (!c.notNull || c.hasDefault) continue; // left to its default or NULL
      throw new CiError('E_DATALAB_SEED', `column ${table.name}.${c.name} of type ${c.type} cannot be generated`, {
        where: `table ${table.name}, column ${c.name}`,
        hint: 'give it a DEFAULT, make it nullable, or fill the table in a seed hook (--hook seed.sql) with --rows ' + `${table.name}=0`,
      });
    }
    const unique = table.uniques.some((u) => u.includes(c.name));
    arbs[c.name] = c.notNull || unique ? arb : fc.option(arb, { nil: null, freq: 6 });
  }
  const written = cols.filter((c) => arbs[c.name] || numbered.has(c.name) || fkOf.has(c.name));
  const colNames = written.map((c) => c.name);
  // fc.double is uniform over bit patterns (almost all near 0), so parents are picked by an integer.
  const fkPicks = table.foreignKeys.map(() => fc.integer({ min: 0, max: 2 ** 31 - 1 }));
  // No bias: fast-check's bias towards edge values (kept for finding bugs) would pile rows onto a few keys.
  const rowArb = fc.noBias(fc.tuple(fc.record(arbs), fc.tuple(...fkPicks), fc.boolean()));

  const rows: Value[][] = [];
  const seen = table.uniques.map(() => new Set<string>());
  const seed = tableSeed(plan.seed, table.name);
  let counter = 0;
  let lastReason = '';
  for (let attempt = 0; rows.length < n && attempt < 30; attempt++) {
    const need = n - rows.length;
    const candidates: Value[][] = [];
    const keys: string[][] = [];
    for (const [vals, picks, nullFk] of fc.sample(rowArb, { seed: seed + attempt * 7919, numRuns: need + 4 })) {
      const row: Record<string, Value> = { ...vals };
      for (const c of numbered) row[c] = ++counter;
      let ok = true;
      table.foreignKeys.forEach((fk, i) => {
        const parent = fk.refTable === table.name ? { rows: rows, columns: colNames } : parents.get(fk.refTable);
        const nullable = fk.columns.every((c) => !cols.find((x) => x.name === c)?.notNull);
        const pool = parent?.rows.length ?? 0;
        if (pool === 0 || (nullable && nullFk && fk.refTable === table.name)) {
          if (nullable) for (const c of fk.columns) row[c] = null;
          else {
            ok = false;
            lastReason = `foreign key ${fk.name} needs rows in ${fk.refTable}`;
          }
          return;
        }
        const pr = parent!.rows[picks[i]! % pool]!;
        fk.columns.forEach((c, j) => (row[c] = pr[parent!.columns.indexOf(fk.refColumns[j]!)]!));
      });
      if (!ok) continue;
      const k = table.uniques.map((u) => (u.some((c) => row[c] === null) ? '' : JSON.stringify(u.map((c) => row[c]))));
      const clash = k.findIndex((key, i) => key !== '' && (seen[i]!.has(key) || keys.some((ks) => ks[i] === key)));
      if (clash >= 0) {
        lastReason = `unique key (${table.uniques[clash]!.join(', ')})`;
        continue;
      }
      candidates.push(colNames.map((c) => row[c] ?? null));
      keys.push(k);
      if (candidates.length === need) break;
    }
    const verdict = candidates.length ? await accept(table, colNames, candidates) : [];
    candidates.forEach((r, i) => {
      if (!verdict[i]) {
        lastReason = `check constraints (${table.checks.map((c) => c.name).join(', ')})`;
        return;
      }
      rows.push(r);
      keys[i]!.forEach((key, j) => key && seen[j]!.add(key));
    });
  }
  if (rows.length < n)
    throw new CiError('E_DATALAB_SEED', `only ${rows.length} of ${n} rows of ${table.name} could be generated: ${lastReason} kept refusing them`, {
      where: `table ${table.name}`,
      hint: `ask for fewer rows (--rows ${table.name}=${rows.length}) or fill the table in a seed hook (--hook seed.sql)`,
    });
  return {
    table: table.name,
    columns: colNames,
    rows,
    overriding: written.some((c) => c.identity === 'a'),
    sequences: written.filter((c) => c.sequence).map((c) => c.name),
  };
}
