// A replay record: one Terraform or Ansible run (or drift check), immutable, tied to an environment
// and a commit, stored as JSON in the blob store under `replay/records/ENV/ID.json`. The id is the
// SHA-256 of the record's content, so recording the same outputs twice gives the same record.
import { createHash } from 'node:crypto';
import type { BlobStore } from '../../core/blob/index.js';
import { CiError } from '../../core/errors.js';
import type { AnsibleRun } from './ansible.js';
import type { ApplyLog, ProviderUse, ResourceChange } from './terraform.js';

export interface ReplayRecord {
  id: string;
  tool: 'terraform' | 'ansible';
  /** apply: a change was made; plan: proposed only; drift: a drift check (refresh-only / --check). */
  kind: 'apply' | 'plan' | 'drift';
  env: string;
  commit: string | null;
  recorded: string;
  /** When the run itself happened, as its output says: the same output recorded twice is one record, a new run another. */
  observed: string | null;
  failed: boolean;
  /** Resource (Terraform) or task-on-host (Ansible) changes, sorted by address. */
  changes: Array<{ address: string; actions: string[] }>;
  drift: Array<{ address: string; action: string }>;
  terraform?: {
    version: string;
    providers: ProviderUse[];
    changes: ResourceChange[];
    variables: Record<string, unknown>;
    apply?: ApplyLog;
  };
  ansible?: AnsibleRun;
}

const PREFIX = 'replay/records';
const ENV = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkEnv(env: string): string {
  if (!ENV.test(env))
    throw new CiError('E_USAGE', `${JSON.stringify(env)} is not a valid environment name`, { where: '--env', hint: 'letters, digits, ., - and _' });
  return env;
}

export function recordId(r: Omit<ReplayRecord, 'id' | 'recorded'>): string {
  return createHash('sha256').update(JSON.stringify(r)).digest('hex').slice(0, 16);
}

/** Stores a record unless the same one is there (records are never overwritten). */
export async function saveRecord(blob: BlobStore, r: ReplayRecord): Promise<{ record: ReplayRecord; created: boolean }> {
  const key = `${PREFIX}/${r.env}/${r.id}.json`;
  if (await blob.head(key)) return { record: JSON.parse((await blob.getBuffer(key)).toString('utf8')) as ReplayRecord, created: false };
  await blob.put(key, Buffer.from(JSON.stringify(r, null, 2)));
  return { record: r, created: true };
}

/** Records, oldest first (then by id); of one environment when given. */
export async function listRecords(blob: BlobStore, env?: string): Promise<ReplayRecord[]> {
  const out: ReplayRecord[] = [];
  for await (const b of blob.list(env ? `${PREFIX}/${checkEnv(env)}/` : `${PREFIX}/`)) {
    if (b.key.endsWith('.json')) out.push(JSON.parse((await blob.getBuffer(b.key)).toString('utf8')) as ReplayRecord);
  }
  return out.sort((a, b) => a.recorded.localeCompare(b.recorded) || a.id.localeCompare(b.id));
}

export async function findRecord(blob: BlobStore, id: string): Promise<ReplayRecord> {
  const all = await listRecords(blob);
  const hits = all.filter((r) => r.id.startsWith(id));
  if (hits.length === 1) return hits[0]!;
  throw new CiError('E_NOT_FOUND', hits.length ? `${id} names ${hits.length} records` : `no record ${id}`, {
    where: id,
    hint: hits.length ? 'give more characters of the id' : 'ci-intel replay ls lists the records',
  });
}

export interface RecordDiff {
  added: Array<{ address: string; actions: string[] }>;
  removed: Array<{ address: string; actions: string[] }>;
  changed: Array<{ address: string; from: string[]; to: string[] }>;
}

/** The resource changes of B next to A's, by address. */
export function diffRecords(a: ReplayRecord, b: ReplayRecord): RecordDiff {
  const am = new Map(a.changes.map((c) => [c.address, c.actions]));
  const bm = new Map(b.changes.map((c) => [c.address, c.actions]));
  const d: RecordDiff = { added: [], removed: [], changed: [] };
  for (const [addr, acts] of bm) {
    const before = am.get(addr);
    if (!before) d.added.push({ address: addr, actions: acts });
    else if (before.join(',') !== acts.join(',')) d.changed.push({ address: addr, from: before, to: acts });
  }
  for (const [addr, acts] of am) if (!bm.has(addr)) d.removed.push({ address: addr, actions: acts });
  return d;
}
