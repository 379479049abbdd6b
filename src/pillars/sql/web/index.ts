// The SQL page: an editor, Run, the result as a table (CSV and JSON downloads of the same query),
// Save for a shareable link (`/?page=sql&q=ID` opens and runs the saved query), and the documented
// views with their columns. Errors are the API's own message (a refused statement names what and
// where). The result is the caller's data as the query shaped it: shown unformatted (data-raw).
import { api, apiPost, card, h, params, table, type Col, type PageView } from '../../../core/web/index.js';

interface ViewDoc {
  name: string;
  doc: string;
  columns: Array<{ name: string; type: string; doc: string }>;
}
interface Answer {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
  row_count: number;
  truncated: boolean;
}

const EXAMPLE = 'SELECT repo, status, count(*) AS runs\nFROM sql_runs\nGROUP BY repo, status\nORDER BY repo, status';
const NUMERIC = /^(?:int|float|numeric|bigint|smallint|integer|double|real)/;

/** Saves the query's answer in a format as a file (a POST: a link cannot carry the query). */
async function download(sqlText: string, format: 'csv' | 'json'): Promise<void> {
  const res = await apiPost('/api/v1/sql', { sql: sqlText, format });
  const a = h('a', { href: URL.createObjectURL(await res.blob()), download: `query.${format}` }) as HTMLAnchorElement;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function viewsCard(views: ViewDoc[], limits: { timeout_ms: number; max_rows: number }): HTMLElement {
  return card(
    'Views you can query',
    h('p', { class: 'muted' }, `Only your repositories' rows; one SELECT; at most ${limits.max_rows} rows and ${limits.timeout_ms / 1000} s per query.`),
    ...views.map((v) =>
      h(
        'details',
        { 'data-testid': `sql-view-${v.name}` },
        h('summary', {}, h('code', {}, v.name), ` — ${v.doc}`),
        table(
          `sql-view-${v.name}`,
          [
            { key: 'name', label: 'Column' },
            { key: 'type', label: 'Type' },
            { key: 'doc', label: 'Meaning' },
          ],
          v.columns,
        ),
      ),
    ),
  );
}

export const sqlPage: PageView = async (main) => {
  const id = params().get('q');
  const [info, saved] = await Promise.all([
    api<{ views: ViewDoc[]; limits: { timeout_ms: number; max_rows: number } }>('/api/v1/sql/views'),
    id ? api<{ id: string; title: string; sql: string }>(`/api/v1/sql/saved/${encodeURIComponent(id)}`) : Promise.resolve(null),
  ]);
  main.append(h('h1', {}, saved ? `SQL · ${saved.title}` : 'SQL'));
  const editor = h('textarea', { 'data-testid': 'sql-editor', rows: '8', cols: '100', spellcheck: 'false', 'aria-label': 'SQL query' }) as HTMLTextAreaElement;
  editor.value = saved?.sql ?? EXAMPLE;
  const result = h('div', { 'data-testid': 'sql-result', 'data-raw': 'true' });
  const note = h('span', { 'data-testid': 'sql-saved', class: 'muted' });
  const fail = (e: unknown) => result.replaceChildren(h('div', { class: 'empty bad', 'data-testid': 'sql-error' }, (e as Error).message));

  const run = async () => {
    result.replaceChildren(h('span', { class: 'muted' }, 'running…'));
    result.setAttribute('data-state', 'running');
    try {
      const r = (await (await apiPost('/api/v1/sql', { sql: editor.value })).json()) as Answer;
      const cols: Col<Record<string, unknown>>[] = r.columns.map((c) => ({ key: c.name, label: c.name, num: NUMERIC.test(c.type) }));
      result.replaceChildren(
        h(
          'p',
          { 'data-testid': 'sql-count' },
          `${r.row_count} row${r.row_count === 1 ? '' : 's'}${r.truncated ? ' (the first ones only: more rows exist)' : ''}`,
        ),
        table('sql-rows', cols, r.rows, { empty: 'The query returned no rows.' }),
      );
    } catch (e) {
      fail(e);
    }
    result.setAttribute('data-state', 'done');
  };
  const save = async () => {
    try {
      const title = prompt('A title for the saved query', saved?.title ?? '') ?? undefined;
      const s = (await (await apiPost('/api/v1/sql/saved', { sql: editor.value, ...(title ? { title } : {}) })).json()) as { url: string };
      history.replaceState(null, '', s.url);
      note.replaceChildren('saved: share ', h('a', { href: s.url, 'data-testid': 'sql-share' }, new URL(s.url, location.href).href));
    } catch (e) {
      fail(e);
    }
  };
  const button = (label: string, testid: string, onclick: () => unknown) => h('button', { type: 'button', 'data-testid': testid, onclick }, label);
  main.append(
    card(
      'Query',
      editor,
      h(
        'div',
        { class: 'sql-actions' },
        button('Run', 'sql-run', run),
        button('Download CSV', 'sql-csv', () => download(editor.value, 'csv').catch(fail)),
        button('Download JSON', 'sql-json', () => download(editor.value, 'json').catch(fail)),
        button('Save and share', 'sql-save', save),
        note,
      ),
      result,
    ),
    viewsCard(info.views, info.limits),
  );
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run();
  });
  // A shared link opens with its answer.
  if (saved) await run();
};

export const sqlViews: Record<string, PageView> = { sql: sqlPage };
