// `serve --demo`: drift checks of each synthetic repository's production infrastructure, so the
// Infrastructure page and the DORA page's drift panel have a history — resources drifting at some
// checks and put back at later ones, and drift that persists to the end in some repositories.
// Drift checks only: applies would change the demo's DORA figures, which other pages are tested on.
// Which items drift, and when, comes from a hash of the repository's name (not the shared RNG: the
// other pillars' demo data stays put).
import { createHash } from 'node:crypto';
import type { HubContext } from '../../core/registry.js';
import type { SynthContext } from '../../core/synth/types.js';
import { recordId, type ReplayRecord } from './record.js';
import { storeRecord } from './store.js';
import type { ReplayTables } from './tables.js';

const CHECKS = 6;
/** Resources a refresh-only plan reports as changed outside Terraform, with the action it shows. */
const ITEMS = [
  { address: 'aws_security_group.web', action: 'update' },
  { address: 'aws_s3_bucket.assets', action: 'update' },
  { address: 'aws_iam_role.deployer', action: 'update' },
  { address: 'aws_instance.bastion', action: 'delete' },
];

interface DemoCheck {
  repo: string;
  record: ReplayRecord;
}

const hash = (s: string) => createHash('sha256').update(s).digest();

export function synthReplay(ctx: SynthContext): void {
  const out: DemoCheck[] = [];
  for (const repo of ctx.repos) {
    const commits = ctx.commits.filter((c) => c.repo === repo).sort((a, b) => (a.committed_at < b.committed_at ? -1 : 1));
    if (commits.length < CHECKS) continue;
    const life = ITEMS.map((item, i) => {
      const b = hash(`${repo}\0drift\0${i}`);
      const from = b[0]! % CHECKS;
      // Half of the items are put back after a check or two; the rest stay drifted (drift persists).
      const until = b[1]! % 2 === 0 ? CHECKS : from + 1 + (b[2]! % 2);
      return { item, has: b[3]! % 2 === 0, from, until };
    });
    for (let k = 0; k < CHECKS; k++) {
      const c = commits[Math.floor(((k + 1) * (commits.length - 1)) / CHECKS)]!;
      const body: Omit<ReplayRecord, 'id' | 'recorded'> = {
        tool: 'terraform',
        kind: 'drift',
        env: 'production',
        commit: c.sha,
        observed: c.committed_at,
        failed: false,
        changes: [],
        drift: life.filter((l) => l.has && l.from <= k && k < l.until).map((l) => l.item),
        terraform: { version: '1.11.4', providers: [], changes: [], variables: {} },
      };
      out.push({ repo, record: { id: recordId(body), recorded: c.committed_at, ...body } });
    }
  }
  ctx.extras.replay = out;
}

export async function seedReplayDemo(ctx: HubContext, extras: unknown[]): Promise<void> {
  const parts = { db: ctx.db.withTables<ReplayTables>(), blob: ctx.blob, redactor: ctx.redactor };
  for (const c of extras as DemoCheck[]) await storeRecord(parts, c.repo, c.record);
}
