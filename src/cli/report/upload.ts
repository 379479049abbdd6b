// `ci-intel report --hub`: the job's files go to the hub as each pillar's own agent command sends
// them (test reports, coverage, logs redacted here first, the mutation report with what only the
// agent knows), onto the run the CI environment names. A failed upload is reported, never hides the
// analysis.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact/index.js';
import { runHeaders, uploadToHub, type HubTarget } from '../../core/upload.js';
import type { DetectedRun } from '../../core/identity.js';
import { envelope, type AgentAnalysis } from '../../pillars/mutation/agent.js';
import type { ReportInputs } from './analyze.js';

export interface Uploaded {
  kind: 'tests' | 'coverage' | 'log' | 'mutation';
  file: string;
  status: number | null;
  error: string | null;
}

export async function uploadJob(
  target: HubTarget,
  run: DetectedRun,
  inputs: ReportInputs,
  mutation: AgentAnalysis | null,
  o: { redactor: Redactor; job: string | undefined },
): Promise<Uploaded[]> {
  const headers = runHeaders(run);
  const base = `/api/v1/runs/${run.run_id}`;
  type Send = { kind: Uploaded['kind']; file: string; path: string; body: () => Buffer | string; contentType: string };
  // Reports go as they are; the hub detects their format.
  const asIs =
    (kind: 'tests' | 'coverage') =>
    (file: string): Send => ({ kind, file, path: `${base}/${kind}`, body: () => readFileSync(file), contentType: 'application/octet-stream' });
  const sends: Send[] = [
    ...inputs.junit.map(asIs('tests')),
    ...inputs.coverage.map(asIs('coverage')),
    ...inputs.logs.map((file): Send => {
      // One log is the job's own (GITHUB_JOB); several are named after their files.
      const job =
        (inputs.logs.length === 1 && o.job) ||
        path
          .basename(file)
          .replace(/\.[^.]*$/, '')
          .replace(/[^\w.:@+-]/g, '_') ||
        'log';
      return {
        kind: 'log',
        file,
        path: `${base}/jobs/${encodeURIComponent(job)}/logs`,
        body: () => o.redactor.apply(readFileSync(file, 'utf8')),
        contentType: 'text/plain',
      };
    }),
    ...(mutation && inputs.mutation
      ? [
          {
            kind: 'mutation' as const,
            file: inputs.mutation,
            path: `${base}/mutation`,
            body: () => JSON.stringify(envelope(inputs.mutation!, mutation)),
            contentType: 'application/json',
          },
        ]
      : []),
  ];
  const out: Uploaded[] = [];
  for (const s of sends) {
    try {
      const r = await uploadToHub(target, { path: s.path, body: s.body(), contentType: s.contentType, headers });
      out.push({ kind: s.kind, file: s.file, status: r.status, error: null });
    } catch (e) {
      out.push({ kind: s.kind, file: s.file, status: null, error: e instanceof CiError ? e.oneLine() : (e as Error).message });
    }
  }
  return out;
}
