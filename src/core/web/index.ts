// The dashboard kit (browser code): what the shell (src/web/) and the pillars' pages
// (src/pillars/<id>/web/) share. Imports only itself and echarts; bundled by scripts/build-web.mjs,
// typechecked by src/web/tsconfig.json, never compiled by the Node build.
export { api, apiPost, apiText, HttpError, setDemo, setSignIn } from './api.js';
export { ansiLine } from './ansi.js';
export { LOG_PAGE, logViewer, type LogViewer } from './log.js';
export { chart, disposeCharts, type ChartOption } from './chart.js';
export { $, add, h, raw, type Child } from './dom.js';
export { bytes, dur, durS, ISO_TIME, local, NO_DATA, num, pct, perDay, score, sig, usd, when } from './format.js';
export { genericView, renderPanels, shown, type Panel } from './panels.js';
export { FILTERS, filterQuery, go, onNavigate, params, showWindow } from './url.js';
export { band, card, exportLinks, help, kpi, table, type Col } from './widgets.js';

/** A page's view: fills `main` (the shell has put the page's title in the tab and cleared it). */
export type PageView = (main: HTMLElement) => Promise<void>;
