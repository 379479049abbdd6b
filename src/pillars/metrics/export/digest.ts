// The weekly digest (issue 8 "Exports"): the week's run health, DORA keys, readiness and cost as
// Markdown and as Slack Block Kit JSON, posted to a webhook URL when one is configured. Pure
// rendering here; the command gathers the numbers and posts.
import type { DoraKeys } from '../dora.js';
import type { RunStats } from '../health.js';
import type { Readiness } from '../readiness.js';
import { fmtDuration } from '../../../core/duration.js';
import { fmtMinutes } from '../minutes.js';

export interface DigestData {
  window: { since: string; until: string; days: number };
  health: RunStats;
  worstPipelines: RunStats[];
  dora: DoraKeys;
  environments: string[] | null;
  readiness: Readiness[];
  hubUrl?: string;
}

const pct = (v: number | null) => (v === null ? 'no data' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, d = 1) => (v === null ? 'no data' : v.toFixed(d));

const band = (b: string | null) => (b ? ` (${b})` : '');

export function digestMarkdown(d: DigestData): string {
  const h = d.health;
  const k = d.dora;
  const lines = [
    `# CI digest: ${d.window.since.slice(0, 10)} – ${d.window.until.slice(0, 10)}`,
    '',
    '## Run health',
    '',
    `| runs | success rate | p50 duration | p95 duration | p95 queue | retry rate | MTTR |`,
    `|---:|---:|---:|---:|---:|---:|---:|`,
    `| ${h.runs} | ${pct(h.success_rate)} | ${fmtDuration(h.duration_p50_ms === null ? null : h.duration_p50_ms / 1000)} | ${fmtDuration(h.duration_p95_ms === null ? null : h.duration_p95_ms / 1000)} | ${fmtDuration(h.queue_p95_ms === null ? null : h.queue_p95_ms / 1000)} | ${pct(h.retry_rate)} | ${fmtMinutes(h.mttr_median_s)} |`,
    '',
  ];
  if (d.worstPipelines.length) {
    lines.push('Lowest success rates:', '');
    for (const p of d.worstPipelines) lines.push(`- \`${p.repo}\` (${p.workflow}): ${pct(p.success_rate)} of ${p.success + p.failed} finished runs`);
    lines.push('');
  }
  lines.push(
    `## DORA (${d.environments?.join(', ') ?? 'all environments'})`,
    '',
    '| deployment frequency | lead time (median) | change failure rate | time to restore (median) |',
    '|---:|---:|---:|---:|',
    `| ${num(k.deployment_frequency_per_day, 2)}/day${band(k.bands.deployment_frequency)} | ${fmtDuration(k.lead_time_median_s)}${band(k.bands.lead_time)} | ${pct(k.change_failure_rate)}${band(k.bands.change_failure_rate)} | ${fmtMinutes(k.time_to_restore_median_s)}${band(k.bands.time_to_restore)} |`,
    '',
    `${k.deployments} deployments (${k.failed} failed), ${k.incidents_open} incidents still open.`,
    '',
    '## Release readiness',
    '',
    '| repo | score | band | complete |',
    '|---|---:|---|---|',
  );
  for (const r of d.readiness)
    lines.push(
      `| \`${r.repo}\` | ${r.score === null ? 'no data' : r.score.toFixed(1)} | ${r.band ?? '–'} | ${r.complete ? 'yes' : `no (missing ${r.missing.join(', ')})`} |`,
    );
  lines.push(
    '',
    `## Cost and carbon`,
    '',
    `$${h.usd.toFixed(2)} and ${(h.carbon_g / 1000).toFixed(2)} kg CO2e over ${h.runs} runs (${h.usd_per_run === null ? 'no data' : `$${h.usd_per_run.toFixed(3)}`} per run).`,
  );
  if (d.hubUrl) lines.push('', `Dashboard: ${d.hubUrl}`);
  return lines.join('\n') + '\n';
}

/** Slack Block Kit message (https://api.slack.com/block-kit): header, sections with fields, context. */
export function digestSlack(d: DigestData): { text: string; blocks: unknown[] } {
  const h = d.health;
  const k = d.dora;
  const field = (title: string, value: string) => ({ type: 'mrkdwn', text: `*${title}*\n${value}` });
  const below90 = d.readiness.filter((r) => r.score !== null && r.score < 90);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: `CI digest ${d.window.since.slice(0, 10)} – ${d.window.until.slice(0, 10)}` } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: '*Run health*' },
      fields: [
        field('Runs', String(h.runs)),
        field('Success rate', pct(h.success_rate)),
        field('p95 duration', fmtDuration(h.duration_p95_ms === null ? null : h.duration_p95_ms / 1000)),
        field('MTTR', fmtMinutes(h.mttr_median_s)),
      ],
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*DORA* (${d.environments?.join(', ') ?? 'all environments'})` },
      fields: [
        field('Deployment frequency', `${num(k.deployment_frequency_per_day, 2)}/day${band(k.bands.deployment_frequency)}`),
        field('Lead time', `${fmtDuration(k.lead_time_median_s)}${band(k.bands.lead_time)}`),
        field('Change failure rate', `${pct(k.change_failure_rate)}${band(k.bands.change_failure_rate)}`),
        field('Time to restore', `${fmtMinutes(k.time_to_restore_median_s)}${band(k.bands.time_to_restore)}`),
      ],
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: below90.length
          ? `*Readiness below 90:* ${below90.map((r) => `\`${r.repo}\` ${r.score!.toFixed(1)}`).join(', ')}`
          : `*Readiness:* every scored repo is at 90 or above`,
      },
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `$${h.usd.toFixed(2)} · ${(h.carbon_g / 1000).toFixed(2)} kg CO2e${d.hubUrl ? ` · <${d.hubUrl}|dashboard>` : ''}` }],
    },
  ];
  return { text: `CI digest: ${h.runs} runs, ${pct(h.success_rate)} success, ${k.deployments} deployments`, blocks };
}
