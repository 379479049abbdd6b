// Snapshots: a lab's database as `pg_dump --format=custom`, stored in the blob store (a CI artifact)
// under its SHA-256, with a small index per name. `up --from NAME` restores it once into a template
// database (pg_restore) and clones that, so every further lab from the snapshot costs a clone.
// pg_dump was chosen over a file-level copy of a stopped cluster: the labs share one server, which
// cannot be stopped for one lab, and a dump restores into any server version at or above its own.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BlobStore } from '../../core/blob/index.js';
import { CiError } from '../../core/errors.js';
import { ensureTemplate, listLabs, needTools, type LabHome, type LabSource } from './labs.js';
import type { ServerState } from './server.js';

export interface Snapshot {
  name: string;
  /** sha256 of the dump file. */
  sha256: string;
  size: number;
  created: string;
  /** The lab it was taken from. */
  lab: string;
  key: string;
}

const PREFIX = 'datalab/snapshots';
const indexKey = (name: string) => `${PREFIX}/${name}.json`;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkSnapshotName(name: string): string {
  if (!NAME.test(name))
    throw new CiError('E_USAGE', `${JSON.stringify(name)} is not a valid snapshot name`, { where: 'NAME', hint: 'letters, digits, ., - and _ (up to 64)' });
  return name;
}

/** Dumps a lab into the blob store; returns the snapshot's record. */
export async function takeSnapshot(home: LabHome, blob: BlobStore, labName: string, name: string): Promise<Snapshot> {
  checkSnapshotName(name);
  const lab = listLabs(home.dir).find((l) => l.name === labName);
  if (!lab) throw new CiError('E_NOT_FOUND', `no lab named ${labName} is up`, { where: labName, hint: 'ci-intel datalab ls lists the labs that are up' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-dump-'));
  try {
    const file = path.join(dir, 'lab.dump');
    needTools(home).client('pg_dump', ['--format=custom', '--no-owner', '--file', file, '--dbname', lab.url]);
    const data = readFileSync(file);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const key = `${PREFIX}/${name}/${sha256}.dump`;
    await blob.put(key, data);
    const snap: Snapshot = { name, sha256, size: data.length, created: home.now().toISOString(), lab: lab.name, key };
    await blob.put(indexKey(name), Buffer.from(JSON.stringify(snap, null, 2)));
    return snap;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function readSnapshot(blob: BlobStore, name: string): Promise<Snapshot> {
  checkSnapshotName(name);
  const head = await blob.head(indexKey(name));
  if (!head) throw new CiError('E_NOT_FOUND', `no snapshot named ${name}`, { where: '--from', hint: 'ci-intel datalab snapshots lists them' });
  return JSON.parse((await blob.getBuffer(indexKey(name))).toString('utf8')) as Snapshot;
}

export async function listSnapshots(blob: BlobStore): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  for await (const b of blob.list(`${PREFIX}/`)) {
    if (b.key.endsWith('.json') && b.key.split('/').length === 3) out.push(JSON.parse((await blob.getBuffer(b.key)).toString('utf8')) as Snapshot);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Restores the snapshot once into a template (checked against its hash), for labs to clone. */
export function snapshotPreparer(home: LabHome, blob: BlobStore, name: string) {
  return async (s: ServerState): Promise<LabSource> => {
    const snap = await readSnapshot(blob, name);
    const tpl = await ensureTemplate(s, `snap_${snap.sha256.slice(0, 16)}`, async (url) => {
      const data = await blob.getBuffer(snap.key);
      const got = createHash('sha256').update(data).digest('hex');
      if (got !== snap.sha256)
        throw new CiError('E_DATALAB_FAILED', `snapshot ${name} is corrupt: its dump hashes to ${got}, not ${snap.sha256}`, {
          where: snap.key,
          hint: 'take the snapshot again',
        });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-restore-'));
      try {
        writeFileSync(path.join(dir, 'lab.dump'), data);
        needTools(home).client('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', url, path.join(dir, 'lab.dump')]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    return { kind: 'snapshot', template: tpl.name, detail: `${name} (sha256 ${snap.sha256.slice(0, 12)})` };
  };
}
