// The dashboard's shell: navigation, filters in the URL, and routing to the pages the registered
// pillars declare (GET /api/v1/pillars). A page is drawn by its pillar's view (views.ts), followed
// by the panels other pillars put on it; a page without a view shows its panels generically. The
// run-detail page is the shell's own (run.ts). Bundled by esbuild with echarts (no CDN, no network).
import { $, disposeCharts, FILTERS, go, h, onNavigate, params, renderPanels, setDemo, setSignIn, api, type Panel } from '../core/web/index.js';
import { accountControl } from './account.js';
import { runPage } from './run.js';
import { views } from './views.js';

/** A page as GET /api/v1/pillars lists it, with the id of the pillar that declared it. */
interface Page {
  id: string;
  title: string;
  order?: number;
  pillar: string;
}

let pages: Page[] = [];
let panels: Panel[] = [];

/** A page without a view of its own: its title and the panels that name it. */
async function panelPage(main: HTMLElement, page: string, title: string): Promise<void> {
  main.append(h('h1', {}, title));
  const n = await renderPanels(
    main,
    panels.filter((p) => p.page === page),
  );
  if (!n)
    main.append(
      h(
        'div',
        { class: 'empty', 'data-testid': 'empty-page' },
        `Nothing on this page yet: ${title.toLowerCase()} panels appear here when the hub has their data.`,
      ),
    );
}

async function loadFilters(): Promise<void> {
  const f = await api('/api/v1/metrics/filters');
  const repo = $<HTMLSelectElement>('select[name=repo]');
  for (const r of f.repos) repo.append(h('option', { value: r }, r));
  const env = $<HTMLSelectElement>('select[name=environment]');
  env.append(h('option', { value: 'production' }, `production (${f.production.join(', ')})`));
  for (const e of f.environments) if (!f.production.includes(e)) env.append(h('option', { value: e }, e));
  const bl = $('#branches');
  for (const b of f.branches) bl.append(h('option', { value: b }));
}

function syncFilters(): void {
  const p = params();
  const form = $<HTMLFormElement>('#filters');
  for (const f of FILTERS) {
    const el = form.elements.namedItem(f) as HTMLInputElement | HTMLSelectElement;
    el.value = p.get(f) ?? (f === 'window' ? '30' : '');
  }
}

async function render(): Promise<void> {
  disposeCharts();
  const id = params().get('page') ?? 'overview';
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('data-page') === id));
  syncFilters();
  const main = $('#main');
  const fresh = h('div', { 'data-testid': `page-${id}`, 'data-loading': 'true' });
  main.replaceChildren(fresh);
  const page = pages.find((p) => p.id === id);
  const title = page?.title ?? 'ci-intel';
  document.title = `${title} · ci-intel`;
  try {
    if (id === 'run') await runPage(fresh);
    else if (page && Object.hasOwn(views, id)) {
      await views[id]!(fresh);
      await renderPanels(
        fresh,
        panels.filter((p) => p.page === id && p.pillar !== page.pillar),
      );
    } else await panelPage(fresh, id, title);
  } catch (e) {
    fresh.append(h('div', { class: 'empty bad', 'data-testid': 'error' }, `Could not load this page: ${(e as Error).message}`));
  }
  fresh.setAttribute('data-loading', 'false');
}

async function start(): Promise<void> {
  const info = await (await fetch('/api/v1/pillars')).json();
  setDemo(Boolean(info.demo));
  setSignIn(Boolean(info.sign_in));
  await accountControl(Boolean(info.sign_in));
  pages = info.pillars
    .flatMap((p: any) => (p.pages ?? []).map((x: any) => ({ ...x, pillar: p.id })))
    .sort((a: Page, b: Page) => (a.order ?? 50) - (b.order ?? 50));
  panels = info.pillars.flatMap((p: any) => (p.panels ?? []).map((x: any) => ({ ...x, pillar: p.id })));
  $('#mode').textContent = info.demo ? 'demo mode: synthetic data, reads need no token' : '';
  const nav = $('#nav');
  for (const p of pages) {
    nav.append(
      h(
        'a',
        {
          href: `/?page=${p.id}`,
          'data-page': p.id,
          onclick: (e: Event) => {
            e.preventDefault();
            go({ page: p.id, id: null });
          },
        },
        p.title,
      ),
    );
  }
  const form = $<HTMLFormElement>('#filters');
  form.addEventListener('change', (e) => {
    const t = e.target as HTMLInputElement;
    go({ [t.name]: t.value || null });
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  onNavigate(render);
  window.addEventListener('popstate', () => void render());
  await loadFilters().catch(() => {});
  await render();
}

void start();
