import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CiError, ERRORS } from './errors.js';

/** docs/errors.md is generated from the catalogue; UPDATE_DOCS=1 rewrites it. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(ERRORS)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, s]) => `| \`${code}\` | ${s.status} | ${s.exit} | ${s.summary} |`);
  return [
    '# Error codes',
    '',
    'Every error ci-intel reports carries one of these stable codes (never reused or renamed). The HTTP API',
    'answers `{"error": {"code", "message", "where", "hint", "request_id"}}` with the status below; the CLI prints',
    '`error CODE: where: message — hint` on stderr and exits with the exit code below (2 = usage or unreadable',
    'input, 1 = a check found something).',
    '',
    'This page is generated from `src/core/errors.ts` (`UPDATE_DOCS=1 npx vitest run src/core/errors.test.ts`).',
    '',
    '| code | HTTP | exit | when |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

describe('error catalogue', () => {
  it('docs/errors.md lists every code', () => {
    const path = new URL('../../docs/errors.md', import.meta.url);
    if (process.env.UPDATE_DOCS === '1') writeFileSync(path, renderErrorsDoc());
    expect(readFileSync(path, 'utf8')).toBe(renderErrorsDoc());
  });

  it('formats one line with where and hint', () => {
    const e = new CiError('E_DB_LOCKED', 'in use', { where: '/data/db', hint: 'stop it' });
    expect(e.oneLine()).toBe('E_DB_LOCKED: /data/db: in use — stop it');
    expect(e.status).toBe(503);
    expect(e.exitCode).toBe(2);
    expect(e.toJSON()).toEqual({ code: 'E_DB_LOCKED', message: 'in use', where: '/data/db', hint: 'stop it' });
  });
});
