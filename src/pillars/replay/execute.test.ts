// `replay run --execute` with the real ansible-playbook (Debian's `ansible`: the JSON callback is in
// its ansible.posix collection) against localhost: a real run recorded, the managed page edited by
// hand, then the replay re-runs the recorded playbook in --check --diff mode, records it and prints
// what differs from the record. Terraform's path is not tested here: Terraform is not in Debian.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'replay-execute-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const site = path.join(dir, 'site');

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(
    [...argv, '--data-dir', path.join(dir, 'data')],
    {
      out: (s) => void (out += s),
      err: (s) => void (err += s),
      env: { PATH: process.env.PATH, HOME: dir },
      isTTY: false,
      now: () => new Date('2026-12-06T12:00:00Z'),
    },
    pillars,
  );
  return { code, out, err };
}

describe('replay run --execute (Ansible)', () => {
  it('re-runs the recorded playbook against localhost in check mode and shows what differs from the record', async () => {
    // The fixtures' playbook, its folder moved into this test's temp dir.
    const playbook = path.join(dir, 'site.yml');
    writeFileSync(playbook, readFileSync(path.join(here, 'fixtures', 'ansible', 'site.yml'), 'utf8').replace('/tmp/ci-intel-replay-demo', site));
    const first = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', playbook], {
      env: { ...process.env, HOME: dir, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' },
      encoding: 'utf8',
    });
    expect(first.error).toBeUndefined();
    writeFileSync(path.join(dir, 'run.json'), first.stdout);
    const rec = await cli(['replay', 'record', '--ansible', path.join(dir, 'run.json'), '--env', 'staging', '--json']);
    expect(rec.code, rec.err).toBe(0);
    const recorded = JSON.parse(rec.out);
    expect(recorded.changes.map((c: { address: string }) => c.address)).toContain('localhost: index page');

    // Nothing changed since: the replay finds nothing to change, so every recorded change is gone.
    const same = await cli(['replay', 'run', recorded.id, '--execute']);
    expect(same.err).toMatch(/^ran: ansible-playbook -i localhost, -c local \S+site\.yml --check --diff \(exit 0\)$/m);
    expect(same.out).toMatch(/local-replay {2}ansible drift {2}0 changes, 0 drifted/);
    expect(same.out).toContain('- localhost: index page  changed');
    expect(same.code).toBe(1);

    // The page edited by hand: the replay shows it as drift, and the diff no longer lists it as gone.
    writeFileSync(path.join(site, 'index.html'), 'edited by hand\n');
    const drifted = await cli(['replay', 'run', recorded.id, '--execute']);
    expect(drifted.out).toMatch(/local-replay {2}ansible drift {2}1 change, 1 drifted/);
    expect(drifted.out).not.toContain('localhost: index page');
    expect(drifted.out).toContain('- localhost: site folder  changed');
    expect(drifted.code).toBe(1);
    const ls = await cli(['replay', 'drift', '--env', 'local-replay']);
    expect(ls.out).toMatch(/1 drifted: localhost: index page/);
  });

  it('names the missing playbook and what to do', async () => {
    const run = JSON.parse(readFileSync(path.join(here, 'fixtures', 'ansible', 'run-first.json'), 'utf8'));
    // The fixture was made in another checkout: its recorded playbook path does not exist here.
    writeFileSync(path.join(dir, 'elsewhere.json'), JSON.stringify(run));
    const rec = JSON.parse((await cli(['replay', 'record', '--ansible', path.join(dir, 'elsewhere.json'), '--env', 'ci', '--json'])).out);
    const r = await cli(['replay', 'run', rec.id, '--execute']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the recorded playbook \S+site\.yml is not on this machine/);
    expect(r.err).toContain('--playbook FILE');
  });
});
