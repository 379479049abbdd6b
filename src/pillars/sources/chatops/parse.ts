// ChatOps commands in pull-request, merge-request and issue comments: a line that starts with
// `/ci-intel` (seed 000 pillar 5's "/rerun, /promote, /rollback, /chaos on", namespaced so that
// other bots' slash commands are left alone). Pure: text in, commands out.
import { parseDuration } from '../../../core/duration.js';

export const CHAT_COMMANDS = ['rerun', 'promote', 'rollback', 'quarantine', 'chaos', 'override-budget', 'help'] as const;
export type ChatCommandName = (typeof CHAT_COMMANDS)[number];

export type ChatCommand = { ok: true; name: ChatCommandName; arg: string | null; line: string } | { ok: false; line: string; problem: string };

const PREFIX = /^\/ci-intel(?:\s+(.*))?$/;
/** Environment names: what GitHub and GitLab accept as environment names, without spaces. */
const ENV = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
/** At most this many commands from one comment (a pasted list must not fan out). */
export const MAX_COMMANDS = 5;

export const USAGE = [
  '`/ci-intel rerun` re-runs the failed jobs of this pull request',
  '`/ci-intel promote ENVIRONMENT` starts the deployment workflow to promote to ENVIRONMENT',
  '`/ci-intel rollback ENVIRONMENT` starts the deployment workflow to roll ENVIRONMENT back',
  '`/ci-intel quarantine TEST` quarantines a test (its failures stop failing the gate)',
  '`/ci-intel chaos on|off` turns fault injection in this repository’s pipelines on or off',
  '`/ci-intel override-budget [3d] REASON` lets this pull request through the cost and carbon budget gate for 7 days (or the time given, at most 30d)',
].join('\n');

/** A chat override lasts at most this long: a longer exception is a budget change, made in ci-intel.yml. */
export const MAX_OVERRIDE_MS = 30 * 86_400_000;
const DEFAULT_OVERRIDE = '7d';

/** `override-budget`'s argument: an optional duration first (7d unless given), then the reason. */
export function overrideArg(arg: string): { expires: string; ms: number; reason: string } | string {
  const [first = '', ...rest] = arg.split(/\s+/).filter(Boolean);
  const timed = /^\d+(?:\.\d+)?(h|d|w)$/i.test(first);
  const expires = timed ? first.toLowerCase() : DEFAULT_OVERRIDE;
  const reason = (timed ? rest : [first, ...rest]).join(' ').trim();
  if (!reason) return '`override-budget` needs a reason, e.g. `/ci-intel override-budget 3d GPU benchmarks for the release`';
  const ms = parseDuration(expires, 'override-budget')!;
  if (ms > MAX_OVERRIDE_MS) return `\`override-budget\` lasts at most 30d (${expires} asked); a longer exception belongs in the budgets of ci-intel.yml`;
  return { expires, ms, reason };
}

function command(line: string, rest: string): ChatCommand {
  const [word = '', ...more] = rest.split(/\s+/).filter(Boolean);
  const name = word.toLowerCase();
  const arg = more.join(' ') || null;
  switch (name) {
    case 'rerun':
    case 'help':
      return more.length ? { ok: false, line, problem: `\`${name}\` takes no argument` } : { ok: true, name, arg: null, line };
    case 'promote':
    case 'rollback':
      if (!arg || more.length !== 1 || !ENV.test(arg))
        return { ok: false, line, problem: `\`${name}\` needs one environment name, e.g. \`/ci-intel ${name} staging\`` };
      return { ok: true, name, arg, line };
    case 'quarantine':
      if (!arg || arg.length > 500)
        return { ok: false, line, problem: '`quarantine` needs the test’s name, e.g. `/ci-intel quarantine src/cart.test.ts > adds items`' };
      return { ok: true, name, arg, line };
    case 'override-budget': {
      const o = (arg ?? '').length <= 500 ? overrideArg(arg ?? '') : '`override-budget` takes a reason of at most 500 characters';
      return typeof o === 'string' ? { ok: false, line, problem: o } : { ok: true, name, arg, line };
    }
    case 'chaos':
      if (!arg || !/^(on|off)$/i.test(arg)) return { ok: false, line, problem: '`chaos` needs `on` or `off`' };
      return { ok: true, name, arg: arg.toLowerCase(), line };
    default:
      return { ok: false, line, problem: name ? `\`${name}\` is not a command` : 'no command given' };
  }
}

/**
 * The commands of a comment, in order: lines starting with `/ci-intel` outside fenced code blocks
 * and quotes (a reply quoting a command must not run it again).
 */
export function parseChatCommands(body: string): ChatCommand[] {
  const out: ChatCommand[] = [];
  let fenced = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const m = PREFIX.exec(line);
    if (!m) continue;
    out.push(command(line.slice(0, 600), (m[1] ?? '').trim()));
    if (out.length === MAX_COMMANDS) break;
  }
  return out;
}
