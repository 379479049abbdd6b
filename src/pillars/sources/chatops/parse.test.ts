import { describe, expect, it } from 'vitest';
import { MAX_COMMANDS, parseChatCommands } from './parse.js';

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
});
