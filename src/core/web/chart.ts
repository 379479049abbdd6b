// Charts: echarts (bundled, no CDN), only the parts the pages use. The shell disposes of a page's
// charts before it renders the next one.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, MarkPointComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { h } from './dom.js';

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, MarkPointComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

const charts: echarts.ECharts[] = [];

window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

/** A chart box; echarts draws into it on the next frame, when it is in the page. */
export function chart(id: string, option: ChartOption, summary?: Record<string, string | number>): HTMLElement {
  // What the canvas shows, as attributes the browser test (and a screen reader's page) can read.
  const attrs: Record<string, string | number> = { class: 'chart', 'data-testid': `chart-${id}`, role: 'img' };
  for (const [k, v] of Object.entries(summary ?? {})) attrs[`data-${k}`] = v;
  const el = h('div', attrs);
  requestAnimationFrame(() => {
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    c.setOption({ animation: false, tooltip: { trigger: 'axis' }, grid: { left: 50, right: 50, top: 30, bottom: 30 }, ...option });
    charts.push(c);
  });
  return el;
}

export function disposeCharts(): void {
  for (const c of charts.splice(0)) c.dispose();
}
