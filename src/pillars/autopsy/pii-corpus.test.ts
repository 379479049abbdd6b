// No false positives of the built-in PII patterns on real CI logs: every match over the shared
// failure-log corpus (37 logs) and the LogChunks half (400 logs, read in place) is an email address
// someone wrote into a build (maintainers, support addresses) — no version, SHA, timestamp, coverage
// figure or package@version is taken for a phone number, a national id or an IBAN.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../core/redact/index.js';
import { PII_BUILTINS, piiRules, type PiiBuiltin } from '../../core/redact/pii.js';
import { logchunksDir, sharedCorpusDir } from './corpus.js';

const shared = sharedCorpusDir();
const lc = logchunksDir();
if ((!shared || !lc) && process.env.CI === 'true') throw new Error('a log corpus is missing: test/corpus/autopsy and ../shared/corpus/autopsy-logchunks');

function logFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? logFiles(p) : /\.log(\.gz)?$/.test(f) ? [p] : [];
  });
}
const read = (f: string) => (f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f)).toString('utf8');
const KINDS = Object.keys(PII_BUILTINS) as PiiBuiltin[];

describe.skipIf(!shared || !lc)('built-in PII patterns on real CI logs', () => {
  it('match only real email addresses, and the redactor replaces exactly those', () => {
    const files = [...logFiles(path.join(shared!, 'logs')), ...logFiles(path.join(lc!, 'logs'))].sort();
    expect(files.length).toBe(437);
    const redactor = new Redactor({ pii: piiRules(KINDS.map((builtin) => ({ builtin, policy: 'redact' as const }))) });
    const matched = new Map<string, number>();
    const hits: Record<string, number> = {};
    for (const f of files) {
      const text = read(f);
      for (const k of KINDS) {
        const rule = PII_BUILTINS[k];
        for (const m of text.matchAll(new RegExp(rule.pattern.source, rule.pattern.flags)))
          if (!rule.check || rule.check(m[0])) matched.set(`${k} ${m[0]}`, (matched.get(`${k} ${m[0]}`) ?? 0) + 1);
      }
      for (const [id, n] of Object.entries(redactor.redact(text).hits)) hits[id] = (hits[id] ?? 0) + n;
    }
    expect(Object.fromEntries([...matched].sort(([a], [b]) => (a < b ? -1 : 1)))).toEqual({
      'email ian.eure@gmail.com': 12,
      'email license@php.net': 10,
      'email mail@jasonwilder.com': 10,
      'email major@mhtx.net': 9,
      'email mpapis@gmail.com': 27,
      'email mysql-build@oss.oracle.com': 10,
      'email packaging@mongodb.com': 1,
      'email pkg-vim-maintainers@lists.alioth.debian.org': 188,
      'email support@dependabot.com': 35,
      'email support@npmjs.com': 1,
      'email support@packagecloud.io': 10,
      'email vidar@vidarholen.net': 26,
      'email wayneeseguin@gmail.com': 27,
      'email yarn@dan.cx': 10,
    });
    // The redactor (secret rules first, then the ban list) replaces the same 376 and nothing else of the ban list.
    expect(Object.fromEntries(Object.entries(hits).filter(([id]) => KINDS.includes(id as PiiBuiltin)))).toEqual({ email: 376 });
  });
});
