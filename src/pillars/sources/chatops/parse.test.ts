import { describe, expect, it } from 'vitest';
import { MAX_COMMANDS, overrideArg, parseChatCommands } from './parse.js';

describe('ChatOps command lines', () => {
  it('reads each command with its argument, in order, and nothing else', () => {
    expect(
      parseChatCommands('LGTM\n/ci-intel rerun\r\n  /ci-intel promote prod-eu\n/ci-intel chaos OFF\n/ci-intel quarantine src/a.test.ts > adds items'),
    ).toEqual([
      { ok: true, name: 'rerun', arg: null, line: '/ci-intel rerun' },
      { ok: true, name: 'promote', arg: 'prod-eu', line: '/ci-intel promote prod-eu' },
      { ok: true, name: 'chaos', arg: 'off', line: '/ci-intel chaos OFF' },
      { ok: true, name: 'quarantine', arg: 'src/a.test.ts > adds items', line: '/ci-intel quarantine src/a.test.ts > adds items' },
    ]);
  });

  it('says what is wrong with a malformed command', () => {
    const problems = parseChatCommands('/ci-intel\n/ci-intel deploy\n/ci-intel promote\n/ci-intel rollback a b\n/ci-intel chaos maybe').map((c) =>
      c.ok ? c.name : c.problem,
    );
    expect(problems).toEqual([
      'no command given',
      '`deploy` is not a command',
      '`promote` needs one environment name, e.g. `/ci-intel promote staging`',
      '`rollback` needs one environment name, e.g. `/ci-intel rollback staging`',
      '`chaos` needs `on` or `off`',
    ]);
  });

  it('ignores quotes, code blocks, mid-line mentions and look-alike prefixes; caps the count', () => {
    expect(parseChatCommands('> /ci-intel rerun\n```\n/ci-intel rerun\n```\nplease /ci-intel rerun\n/ci-intelligence rerun')).toEqual([]);
    expect(parseChatCommands(Array(20).fill('/ci-intel rerun').join('\n'))).toHaveLength(MAX_COMMANDS);
  });

  it('override-budget: an optional duration (7d unless given, at most 30d), then a reason', () => {
    expect(overrideArg('release load tests')).toEqual({ expires: '7d', ms: 7 * 86_400_000, reason: 'release load tests' });
    expect(overrideArg('36H nightly matrix')).toEqual({ expires: '36h', ms: 36 * 3_600_000, reason: 'nightly matrix' });
    expect(overrideArg('3d')).toMatch(/needs a reason/);
    expect(overrideArg('5w long one')).toMatch(/lasts at most 30d \(5w asked\)/);
    expect(parseChatCommands('/ci-intel override-budget 2d GPU benchmarks')).toEqual([
      { ok: true, name: 'override-budget', arg: '2d GPU benchmarks', line: '/ci-intel override-budget 2d GPU benchmarks' },
    ]);
    expect(parseChatCommands('/ci-intel override-budget')).toEqual([
      {
        ok: false,
        line: '/ci-intel override-budget',
        problem: '`override-budget` needs a reason, e.g. `/ci-intel override-budget 3d GPU benchmarks for the release`',
      },
    ]);
  });
});
