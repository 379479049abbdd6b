// The JSON callback of ansible-playbook (`ANSIBLE_STDOUT_CALLBACK=json`, ansible.posix.json):
// {plays: [{play, tasks: [{task: {name, path, duration}, hosts: {HOST: result}}]}], stats: {HOST: {...}}}.
// Only what a record needs is kept: per host the recap, per task and host changed/failed/skipped and
// whether a diff was shown — never module arguments or output (no_log results are censored anyway).
import { parseJson } from './shape.js';

export interface AnsibleRun {
  hosts: Array<{ host: string; ok: number; changed: number; failures: number; unreachable: number; skipped: number; ignored: number }>;
  tasks: Array<{ play: string; task: string; path?: string; host: string; changed: boolean; failed: boolean; skipped: boolean; diff: boolean }>;
  playbooks: string[];
  /** The first task's start: when the run happened. */
  started?: string;
}

export function parseAnsible(text: string, file: string): AnsibleRun {
  const doc = parseJson(text, file).object();
  const hosts = doc
    .get('stats')
    .entries()
    .map(([host, s]) => {
      const n = (k: string) => {
        const v = s.get(k).value;
        if (v !== undefined && typeof v !== 'number') s.get(k).fail('must be a number');
        return (v as number | undefined) ?? 0;
      };
      return { host, ok: n('ok'), changed: n('changed'), failures: n('failures'), unreachable: n('unreachable'), skipped: n('skipped'), ignored: n('ignored') };
    });
  const tasks: AnsibleRun['tasks'] = [];
  const playbooks = new Set<string>();
  let started: string | undefined;
  for (const p of doc.get('plays').array()) {
    const play = p.get('play').get('name').optString() ?? '';
    for (const t of p.get('tasks').array()) {
      const task = t.get('task').object();
      const path = task.get('path').optString();
      started ??= task.get('duration').get('start').optString();
      if (path) playbooks.add(path.replace(/:\d+$/, ''));
      for (const [host, r] of t.get('hosts').entries()) {
        r.object();
        tasks.push({
          play,
          task: task.get('name').optString() ?? '',
          path,
          host,
          changed: r.get('changed').value === true,
          failed: r.get('failed').value === true,
          skipped: r.get('skipped').value === true,
          diff: Array.isArray(r.get('diff').value) && (r.get('diff').value as unknown[]).length > 0,
        });
      }
    }
  }
  return { hosts, tasks, playbooks: [...playbooks].sort(), started };
}
