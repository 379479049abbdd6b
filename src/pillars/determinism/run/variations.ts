// The conditions varied between the control build and each experiment (after reprotest's
// variations), and how each one really applies on this machine: a UTS namespace for the host
// name when `unshare` works, taskset for CPUs, the environment otherwise — the report says which.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { CiError } from '../../../core/errors.js';

export const VARIATIONS = ['time', 'tz', 'locale', 'umask', 'path', 'env-order', 'hostname', 'user', 'cpus', 'file-order'] as const;
export type Variation = (typeof VARIATIONS)[number];

export type Applied = 'applied' | 'through the environment' | 'weak' | 'not available';

export interface VariationStatus {
  variation: Variation;
  applied: Applied;
  how: string;
}

/** How one run is started: its environment (in order), umask, wrappers around the command. */
export interface RunSetup {
  env: [string, string][];
  umask: string;
  /** Prefix argv (unshare, taskset). */
  wrap: string[];
  /** Shell lines before the build (hostname in the namespace). */
  preamble: string[];
  reverseCopy: boolean;
  hostname: string;
  user: string;
}

export function parseVary(v: string | undefined): Variation[] {
  if (!v) return [...VARIATIONS];
  const out: Variation[] = [];
  for (const x of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(VARIATIONS as readonly string[]).includes(x))
      throw new CiError('E_USAGE', `${JSON.stringify(x)} is not a variation`, { where: '--vary', hint: `choose from ${VARIATIONS.join(', ')}` });
    if (!out.includes(x as Variation)) out.push(x as Variation);
  }
  return out;
}

const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
const localeInstalled = (name: string) =>
  (spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '')
    .split('\n')
    .some((l) => l.toLowerCase().replace('utf-8', 'utf8') === name.toLowerCase().replace('utf-8', 'utf8'));

const EXPERIMENT_TZ = 'Pacific/Kiritimati';
const EXPERIMENT_LOCALE = 'fr_FR.UTF-8';
const EXPERIMENT_HOST = 'repro-host-2';
const EXPERIMENT_USER = 'repro-user-2';

/** The control run's setup and the experiment's, with what really applied. */
export function planRuns(vary: Variation[], baseEnv: NodeJS.ProcessEnv): { control: RunSetup; experiment: RunSetup; statuses: VariationStatus[] } {
  const host = os.hostname();
  const user = baseEnv.USER ?? os.userInfo().username;
  const base: [string, string][] = Object.entries(baseEnv).filter((e): e is [string, string] => e[1] !== undefined);
  const set = (env: [string, string][], k: string, v: string) => [...env.filter(([x]) => x !== k), [k, v]] as [string, string][];
  let c: RunSetup = { env: base, umask: '0022', wrap: [], preamble: [], reverseCopy: false, hostname: host, user };
  c.env = set(set(set(c.env, 'TZ', 'UTC'), 'LC_ALL', 'C.UTF-8'), 'LANG', 'C.UTF-8');
  // The control names its host and user as a login shell would, so the experiment's differ from something.
  if (!baseEnv.USER) c.env = set(set(c.env, 'USER', user), 'LOGNAME', user);
  if (!baseEnv.HOSTNAME) c.env = set(c.env, 'HOSTNAME', host);
  let x: RunSetup = { ...c, env: [...c.env] };
  const statuses: VariationStatus[] = [];
  const status = (variation: Variation, applied: Applied, how: string) => statuses.push({ variation, applied, how });
  for (const v of vary) {
    switch (v) {
      case 'time':
        status(v, 'weak', 'the second build starts in a later second; the clock is not shifted (no faketime here), so only second-level times differ');
        break;
      case 'tz':
        x.env = set(x.env, 'TZ', EXPERIMENT_TZ);
        status(v, existsSync(`/usr/share/zoneinfo/${EXPERIMENT_TZ}`) ? 'applied' : 'weak', `TZ=UTC vs TZ=${EXPERIMENT_TZ} (UTC+14)`);
        break;
      case 'locale':
        x.env = set(set(x.env, 'LC_ALL', EXPERIMENT_LOCALE), 'LANG', EXPERIMENT_LOCALE);
        status(
          v,
          localeInstalled(EXPERIMENT_LOCALE) ? 'applied' : 'weak',
          `LC_ALL=C.UTF-8 vs LC_ALL=${EXPERIMENT_LOCALE}${localeInstalled(EXPERIMENT_LOCALE) ? '' : ' (not installed here: programs fall back to C, only code reading the variable sees it)'}`,
        );
        break;
      case 'umask':
        x.umask = '0002';
        status(v, 'applied', 'umask 0022 vs 0002');
        break;
      case 'path':
        status(v, 'applied', 'the two builds run in folders of different names and depths');
        break;
      case 'env-order':
        x.env = [...x.env].reverse();
        status(v, 'applied', 'the environment is passed in reverse order');
        break;
      case 'hostname':
        if (works('unshare', ['--uts', '--fork', 'hostname', EXPERIMENT_HOST])) {
          x.wrap = [...x.wrap, 'unshare', '--uts', '--fork'];
          x.preamble = [...x.preamble, `hostname ${EXPERIMENT_HOST}`];
          status(v, 'applied', `host name ${EXPERIMENT_HOST} in a UTS namespace (and HOSTNAME)`);
        } else status(v, 'through the environment', `HOSTNAME=${EXPERIMENT_HOST} only (no UTS namespace: unshare needs privileges)`);
        x.env = set(x.env, 'HOSTNAME', EXPERIMENT_HOST);
        x.hostname = EXPERIMENT_HOST;
        break;
      case 'user':
        x.env = set(set(set(x.env, 'USER', EXPERIMENT_USER), 'LOGNAME', EXPERIMENT_USER), 'USERNAME', EXPERIMENT_USER);
        x.user = EXPERIMENT_USER;
        status(v, 'through the environment', `USER/LOGNAME=${EXPERIMENT_USER}; the process still runs as ${user} (no user namespace switch)`);
        break;
      case 'cpus':
        if (os.availableParallelism() > 1 && works('taskset', ['-c', '0', 'true'])) {
          x.wrap = ['taskset', '-c', '0', ...x.wrap];
          status(v, 'applied', `${os.availableParallelism()} CPUs vs 1 (taskset)`);
        } else status(v, 'not available', 'one CPU here, or no taskset');
        break;
      case 'file-order':
        x.reverseCopy = true;
        status(
          v,
          'weak',
          "the second copy creates its files in reverse order; directory listing order follows only where the file system keeps creation order (not ext4's hashed folders)",
        );
        break;
    }
  }
  c = { ...c };
  x = { ...x };
  return { control: c, experiment: x, statuses: statuses.sort((a, b) => VARIATIONS.indexOf(a.variation) - VARIATIONS.indexOf(b.variation)) };
}
