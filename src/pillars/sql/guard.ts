// The statement guard of self-service SQL: a user's text is parsed by PostgreSQL's own parser
// (libpg-query, the real grammar compiled to WebAssembly) and refused unless it is one SELECT over
// the documented sql_* views, built from an allowlist of node kinds, functions and types. This is
// the first wall; the second is structural (run.ts: a READ ONLY transaction under a role that may
// read the views only, and views that filter to the caller's repositories by themselves).
import { parse } from 'libpg-query';
import { CiError } from '../../core/errors.js';

/** Expression and clause node kinds a read-only query may contain; any other kind is refused by name. */
const NODES = new Set([
  'SelectStmt',
  'ResTarget',
  'ColumnRef',
  'String',
  'Integer',
  'Float',
  'Boolean',
  'BitString',
  'A_Const',
  'A_Expr',
  'A_Star',
  'A_Indirection',
  'A_Indices',
  'A_ArrayExpr',
  'BoolExpr',
  'NullTest',
  'BooleanTest',
  'CaseExpr',
  'CaseWhen',
  'CoalesceExpr',
  'MinMaxExpr',
  'NullIfExpr',
  'SubLink',
  'RowExpr',
  'FuncCall',
  'TypeCast',
  'TypeName',
  'RangeVar',
  'RangeSubselect',
  'RangeFunction',
  'JoinExpr',
  'SortBy',
  'WindowDef',
  'CommonTableExpr',
  'WithClause',
  'Alias',
  'GroupingSet',
  'List',
  'SQLValueFunction',
  'CollateClause',
]);

/** Functions a query may call (unqualified or pg_catalog.): aggregates, windows, dates, text, numbers, JSON. */
export const FUNCTIONS = new Set(
  (
    'count sum avg min max stddev stddev_pop stddev_samp variance var_pop var_samp percentile_cont percentile_disc mode ' +
    'array_agg string_agg bool_and bool_or every json_agg jsonb_agg json_object_agg jsonb_object_agg corr covar_pop regr_slope ' +
    'row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value ' +
    'now date_trunc date_part extract age make_interval make_date to_char to_date to_timestamp date_bin justify_interval ' +
    'lower upper length char_length btrim ltrim rtrim trim substring substr left right split_part position strpos replace concat concat_ws ' +
    'starts_with initcap lpad rpad md5 regexp_replace regexp_match regexp_like ' +
    'abs ceil ceiling floor round trunc sign sqrt power ln log exp mod greatest least width_bucket ' +
    'coalesce nullif generate_series unnest array_length cardinality array_position array_to_string string_to_array ' +
    'jsonb_array_length jsonb_extract_path_text jsonb_typeof json_extract_path_text jsonb_array_elements jsonb_array_elements_text ' +
    'to_json to_jsonb'
  ).split(' '),
);

/** Type names a value may be cast to. */
const TYPES = new Set(
  'int2 int4 int8 smallint integer int bigint numeric decimal float4 float8 real double text varchar bpchar char date timestamp timestamptz interval bool boolean uuid json jsonb'.split(
    ' ',
  ),
);

/** Session values a query may read (current_date and friends; not current_user or current_role). */
const SQL_VALUES = new Set(['SVFOP_CURRENT_DATE', 'SVFOP_CURRENT_TIMESTAMP', 'SVFOP_CURRENT_TIMESTAMP_N', 'SVFOP_LOCALTIMESTAMP', 'SVFOP_LOCALTIMESTAMP_N']);

export interface CheckedQuery {
  /** The one statement, without a trailing `;` or comment. */
  text: string;
  /** The views it reads, sorted. */
  views: string[];
}

function refuse(message: string, hint: string, position?: number): never {
  throw new CiError('E_SQL_REFUSED', message, { where: position !== undefined && position >= 0 ? `query, character ${position + 1}` : 'query', hint });
}

const VIEWS_HINT = 'read the sql_* views only (GET /api/v1/sql/views lists them with their columns)';

/** Parses `text` and returns the one SELECT it holds, or throws E_SQL_REFUSED / E_SQL_SYNTAX naming the place. */
export async function checkQuery(text: string, views: ReadonlySet<string>): Promise<CheckedQuery> {
  if (!text.trim()) throw new CiError('E_USAGE', 'the query is empty', { where: 'sql', hint: 'e.g. SELECT status, count(*) FROM sql_runs GROUP BY status' });
  let tree: { stmts?: Array<{ stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = (await parse(text)) as typeof tree;
  } catch (e) {
    const pos = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    throw new CiError('E_SQL_SYNTAX', `the query does not parse: ${(e as Error).message}`, {
      where: pos !== undefined ? `query, character ${pos + 1}` : 'query',
      hint: 'write one PostgreSQL SELECT statement',
    });
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1)
    refuse(`the text holds ${stmts.length} statements; one is allowed`, 'send one SELECT statement, without `;` between statements', stmts[1]?.stmt_location);
  const { stmt, stmt_location = 0, stmt_len } = stmts[0]!;
  const kind = Object.keys(stmt)[0]!;
  if (kind !== 'SelectStmt')
    refuse(`${statementName(kind)} is not allowed: only SELECT reads the views`, 'write a SELECT over the sql_* views; nothing can be changed through SQL');
  const read = new Set<string>();
  walk(stmt, [], views, read);
  const body = stmt_len ? text.slice(stmt_location, stmt_location + stmt_len) : text.slice(stmt_location);
  return { text: body.trim(), views: [...read].sort() };
}

/** "DeleteStmt" → "DELETE"; a user reads the SQL keyword, not the parser's node name. */
function statementName(kind: string): string {
  const known: Record<string, string> = {
    InsertStmt: 'INSERT',
    UpdateStmt: 'UPDATE',
    DeleteStmt: 'DELETE',
    MergeStmt: 'MERGE',
    CopyStmt: 'COPY',
    VariableSetStmt: 'SET/RESET',
    VariableShowStmt: 'SHOW',
    TransactionStmt: 'a transaction statement',
    ExplainStmt: 'EXPLAIN',
    DoStmt: 'DO',
    CallStmt: 'CALL',
  };
  return (
    known[kind] ??
    kind
      .replace(/Stmt$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase()
  );
}

type Json = Record<string, unknown>;

/** `scope` holds the names of the CTEs visible at this point (innermost last). */
function walk(node: unknown, scope: string[][], views: ReadonlySet<string>, read: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, scope, views, read);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Json;
  // A wrapped node is an object with one key naming its kind.
  const keys = Object.keys(obj);
  if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) {
    const kind = keys[0]!;
    const inner = obj[kind] as Json;
    if (!NODES.has(kind)) {
      if (/Stmt$/.test(kind))
        refuse(`${statementName(kind)} inside the query is not allowed`, 'a query may only read: no data-changing statements, also not in a WITH');
      refuse(`${kind} is not allowed in a query`, 'use plain SELECT syntax over the sql_* views');
    }
    visit(kind, inner, scope, views, read);
    return;
  }
  // Unwrapped typed fields (e.g. IntoClause's RangeVar) still carry relname: check them too.
  if ('relname' in obj) checkRelation(obj, scope, views, read);
  for (const k of keys) walk(obj[k], scope, views, read);
}

function visit(kind: string, n: Json, scope: string[][], views: ReadonlySet<string>, read: Set<string>): void {
  switch (kind) {
    case 'SelectStmt': {
      if (n.intoClause) refuse('SELECT INTO creates a table and is not allowed', 'drop the INTO clause', -1);
      if (n.lockingClause) refuse('FOR UPDATE/SHARE locks rows and is not allowed', 'drop the FOR UPDATE/SHARE clause', -1);
      const withClause = n.withClause as { ctes?: Array<{ CommonTableExpr: { ctename: string } }>; recursive?: boolean } | undefined;
      const names = (withClause?.ctes ?? []).map((c) => c.CommonTableExpr.ctename);
      const inner = [...scope, names];
      for (const v of Object.values(n)) walk(v, inner, views, read);
      return;
    }
    case 'RangeVar':
      checkRelation(n, scope, views, read);
      return;
    case 'FuncCall': {
      const parts = ((n.funcname as Array<{ String: { sval: string } }>) ?? []).map((s) => s.String.sval.toLowerCase());
      const name = parts[parts.length - 1]!;
      const qualified = parts.length > 1;
      if ((qualified && (parts.length > 2 || parts[0] !== 'pg_catalog')) || !FUNCTIONS.has(name))
        refuse(
          `the function ${parts.join('.')} is not allowed`,
          "the allowed functions are aggregates, window, date, text, number and JSON functions (see the SQL page's help)",
          n.location as number,
        );
      break;
    }
    case 'TypeCast':
    case 'TypeName': {
      const tn = (kind === 'TypeCast' ? n.typeName : n) as { names?: Array<{ String: { sval: string } }>; location?: number } | undefined;
      if (tn?.names) {
        const parts = tn.names.map((s) => s.String.sval.toLowerCase());
        const name = parts[parts.length - 1]!;
        if ((parts.length > 1 && parts[0] !== 'pg_catalog') || !TYPES.has(name))
          refuse(`a cast to ${parts.join('.')} is not allowed`, `cast to one of: ${[...TYPES].sort().join(', ')}`, tn.location);
      }
      break;
    }
    case 'SQLValueFunction':
      if (!SQL_VALUES.has(String(n.op)))
        refuse(
          `${String(n.op)
            .replace(/^SVFOP_/, '')
            .toLowerCase()} is not allowed`,
          'current_date, current_timestamp and localtimestamp are',
          n.location as number,
        );
      break;
    case 'CommonTableExpr': {
      const q = n.ctequery as Json | undefined;
      const k = q ? Object.keys(q)[0]! : '';
      if (k && k !== 'SelectStmt') refuse(`${statementName(k)} inside WITH is not allowed`, 'a WITH query may only read', n.location as number);
      break;
    }
  }
  for (const v of Object.values(n)) walk(v, scope, views, read);
}

function checkRelation(n: Json, scope: string[][], views: ReadonlySet<string>, read: Set<string>): void {
  const name = String(n.relname);
  const schema = n.schemaname as string | undefined;
  const lower = name.toLowerCase();
  if (!schema && scope.some((names) => names.includes(name))) return; // a WITH query's name
  if (schema || !views.has(lower)) refuse(`${schema ? `${schema}.` : ''}${name} is not one of the SQL views`, VIEWS_HINT, n.location as number);
  read.add(lower);
}
