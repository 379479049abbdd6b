// The run page's failure section: each job's root causes (most likely first) as cards, and the job's
// stored (redacted) log beside them, each cause's evidence line marked; a cause's "line N" link
// pages the log to that line. `&job=...&line=...` in the URL opens the log there (shareable).
import { apiText, card, h, HttpError, local, logViewer, num, params, sig, type LogViewer } from '../core/web/index.js';

interface Cause {
  category: string;
  tool: string;
  message: string;
  suggestion: string;
  severity: string;
  file: string | null;
  line: number | null;
  docs_uri: string | null;
  evidence: { line: number; text: string };
  decided_by: { rule_id: string } | { model: string; confidence: number };
}

interface JobLog {
  job: string;
  bytes: number;
  lines: number;
  job_failed: boolean | null;
  analyzed_at: string;
  root_causes: Cause[];
}

const decided = (d: Cause['decided_by']) => ('rule_id' in d ? `rule ${d.rule_id}` : `model ${d.model}, confidence ${sig(d.confidence)}`);

function causeCard(runJob: string, c: Cause, i: number, viewer: () => LogViewer | null): HTMLElement {
  const jump = (e: Event) => {
    e.preventDefault();
    const p = new URLSearchParams(location.search);
    p.set('job', runJob);
    p.set('line', String(c.evidence.line));
    history.replaceState(null, '', `/?${p.toString()}`);
    viewer()?.show(c.evidence.line);
  };
  return h(
    'div',
    { class: 'cause', 'data-testid': `cause-${runJob}-${i}` },
    h('strong', {}, `${c.tool} · ${c.category.replace(/_/g, ' ')}: `, c.message),
    h('div', {}, c.suggestion),
    h(
      'div',
      { class: 'meta' },
      h(
        'a',
        { href: `#log-${runJob}-L${c.evidence.line}`, onclick: jump, 'data-testid': `cause-link-${runJob}-${i}` },
        `evidence: log line ${num(c.evidence.line)}`,
      ),
      c.file ? ` · ${c.file}${c.line ? `:${c.line}` : ''}` : '',
      ` · ${decided(c.decided_by)}`,
      c.docs_uri ? h('span', {}, ' · ', h('a', { href: c.docs_uri, target: '_blank', rel: 'noopener' }, 'docs')) : '',
    ),
  );
}

/** The failure section of a run: null when no log was stored for it. */
export async function failureSection(runId: string, a: { jobs: JobLog[] } | undefined): Promise<HTMLElement | null> {
  if (!a?.jobs?.length) return null;
  const p = params();
  const box = card('Logs and root causes');
  for (const j of a.jobs) {
    let viewer: LogViewer | null = null;
    const head = h(
      'p',
      { class: 'muted' },
      `job ${j.job} · ${num(j.lines)} lines · ${num(j.bytes)} bytes · analyzed ${local(j.analyzed_at)}`,
      j.root_causes.length ? '' : ' · no root cause found',
    );
    const causes = j.root_causes.map((c, i) => causeCard(j.job, c, i, () => viewer));
    box.append(h('h3', {}, `Job ${j.job}`), head, ...causes);
    try {
      const text = await apiText(`/api/v1/runs/${encodeURIComponent(runId)}/jobs/${encodeURIComponent(j.job)}/logs`);
      const marks = new Map(j.root_causes.map((c) => [c.evidence.line, `${c.tool}: ${c.message}`]));
      viewer = logViewer(j.job, text, marks);
      box.append(viewer.el);
      // The URL's line is scrolled to (a shared link); else the first cause's page is shown, unscrolled.
      const asked = p.get('job') === j.job ? Number(p.get('line')) : 0;
      const first = j.root_causes[0]?.evidence.line;
      if (asked) requestAnimationFrame(() => viewer!.show(asked));
      else if (first) viewer.show(first, false);
    } catch (e) {
      box.append(
        h(
          'div',
          { class: 'empty' },
          e instanceof HttpError && e.status === 404 ? 'The log is no longer stored (retention).' : `Could not load the log: ${(e as Error).message}`,
        ),
      );
    }
  }
  return box;
}
