// The replay pillar's table in the hub:
//   replay_records  one row per infrastructure record uploaded by `replay record --hub`: a Terraform
//                   or Ansible run (plan/apply) or a drift check, per repository, environment and
//                   commit, with its outcome, counts and drift items. The record itself (changes,
//                   providers, per-host results) is in the blob store at `record_key`, never
//                   overwritten; the id is the record's content hash, so a re-upload is one row.
// Applies also become deployment reports in core's `deployments` (store.ts): that is how infra
// changes and their failures reach DORA without the metrics pillar knowing this one.
import type { Kysely } from 'kysely';
import type { Migration } from '../../core/db/migrate.js';
import type { CoreTables } from '../../core/db/schema.js';

export type ReplayRecordsTable = {
  repo: string;
  id: string;
  env: string;
  commit: string | null;
  tool: string;
  kind: string;
  failed: boolean;
  /** When the hub received it. */
  recorded_at: Date | string;
  /** When the run happened, as its output says (else recorded_at): what trends and DORA order by. */
  observed_at: Date | string;
  changes: number;
  drifted: number;
  /** [{address, action}] of a drift check. */
  drift: unknown;
  record_key: string;
};

export type ReplayTables = { replay_records: ReplayRecordsTable };
export type ReplayDb = Kysely<CoreTables & ReplayTables>;

export const migrations: Migration[] = [
  {
    id: 'replay-0001-records',
    up: `
create table replay_records (
  repo text not null,
  id text not null,
  env text not null,
  commit text,
  tool text not null,
  kind text not null,
  failed boolean not null,
  recorded_at timestamptz not null,
  observed_at timestamptz not null,
  changes integer not null,
  drifted integer not null,
  drift jsonb not null,
  record_key text not null,
  primary key (repo, id)
);
create index replay_records_env on replay_records (repo, env, observed_at);
`,
  },
];
