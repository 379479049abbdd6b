// The PII ban list in the shared redactor: each built-in finds what it names and leaves alone what
// CI output is full of (versions, SHAs, timestamps, package@version, reserved test addresses);
// `redact` replaces, `reject` reports where (JSON pointer, log line) so the caller refuses; the
// keyword prefilter keeps keyworded patterns off text without their keyword; bad settings name
// their place in ci-intel.yml.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CiError } from '../errors.js';
import { Redactor, type RedactStream } from './index.js';
import { ibanValid, piiRules, type PiiSetting } from './pii.js';

const ALL = (policy: 'redact' | 'reject'): PiiSetting[] => [
  { builtin: 'email', policy },
  { builtin: 'phone', policy },
  { builtin: 'us-ssn', policy },
  { builtin: 'uk-ni', policy },
  { builtin: 'iban', policy },
  { id: 'employee-id', regex: 'EMP-\\d{6}', keywords: ['emp-'], label: 'an employee number', policy },
];

const PII: Array<[string, string]> = [
  ['email', 'jane.doe@acme-corp.io'],
  ['email', '49699333+jdoe@users.noreply.github.com'],
  ['phone', '+44 20 7946 0958'],
  ['phone', '+1 415 555 0132'],
  ['phone', '(212) 555-0147'],
  ['us-ssn', '078-05-1120'],
  ['uk-ni', 'JG 10 37 59 A'],
  ['uk-ni', 'JG103759A'],
  ['iban', 'GB82 WEST 1234 5698 7654 32'],
  ['iban', 'DE89370400440532013000'],
  ['employee-id', 'EMP-004217'],
];

// Each taken from a real CI log of the shared corpora or from this project's own output.
const NOT_PII = [
  'npm notice 📦  ci-intel@0.9.0',
  'Homebrew: openssl@1.1--1.1.1b.mojave.bottle.tar.gz',
  'lrelease: bitcoin_ca@valencia.qm',
  'uses: actions/checkout@v4.1.1',
  'git@github.com:acme/app.git',
  'test@conference.localhost joined the room',
  'travis@Traviss-Mac-80.local',
  'author@example.com',
  'vim 2:8.0.0197-4+deb9u1 (+20160627)',
  'ruby 2.4.1p111 (2017-03-22 revision 58053) [x86_64-linux] +2.11.12',
  'Coverage: (+99) 100.00%',
  'HEAD is now at 3f786850e387550fdab836ed7e6dc881de23001b',
  '2026-12-06T10:00:00+00:00 took 00:01:23.456',
  'Step 12/20 : RUN make -j8',
  'GB82 WEST 1234 5698 7654 33', // one digit off: the checksum fails
  '000-12-3456 and 666-12-3456 and 123-45-67890',
  'QQ 12 34 56 C', // HMRC's specimen: Q is never a second letter
  'build #4127 (1234567890) finished',
];

describe('the PII ban list', () => {
  it('redacts every built-in kind and a custom pattern, and counts each by pattern and action', () => {
    const counted: string[] = [];
    const r = new Redactor({ pii: piiRules(ALL('redact')), onPii: (id, action, n) => counted.push(`${id} ${action} ${n}`) });
    for (const [id, text] of PII) {
      const out = r.redact(`before ${text} after`);
      expect(out.text, text).toBe(`before [REDACTED:${id}] after`);
      expect(out.refused).toEqual([]);
    }
    expect(counted).toEqual(PII.map(([id]) => `${id} redact 1`));
  });

  it('finds nothing in what CI output is full of', () => {
    const r = new Redactor({ pii: piiRules(ALL('redact')) });
    for (const text of NOT_PII) expect(r.redact(text), text).toEqual({ text, hits: {}, refused: [] });
  });

  it('reject: names the refusing patterns and the JSON pointer of each string that holds one', () => {
    const r = new Redactor({ pii: piiRules([{ builtin: 'email', policy: 'redact' }, ...ALL('reject').slice(1)]) });
    const v = { repo: 'acme/app', meta: { 'owner jane.doe@acme-corp.io': 'x', notes: ['ok', 'call +44 20 7946 0958'] }, 'a/b~c': 'EMP-004217' };
    const out = r.redactValue(v);
    expect(out.refused).toEqual([
      { pointer: '/meta/notes/1', rule: 'phone' },
      { pointer: '/a~1b~0c', rule: 'employee-id' },
    ]);
    // The redact-policy email in a key is replaced, not refused.
    expect(Object.keys((out.value as { meta: object }).meta)).toEqual(['owner [REDACTED:email]', 'notes']);
    expect(r.redactValue({ clean: 'v1.2.3' })).toEqual({ value: { clean: 'v1.2.3' }, changed: false, refused: [] });
  });

  it('reject on a log stream: the line is stored as its marker, line numbers kept, the lines reported', async () => {
    const r = new Redactor({
      pii: piiRules([
        { builtin: 'us-ssn', policy: 'reject' },
        { builtin: 'email', policy: 'redact' },
      ]),
    });
    const log = [
      'step 1',
      'ssn=078-05-1120 for jane.doe@acme-corp.io',
      'mail jane.doe@acme-corp.io',
      '-----BEGIN RSA PRIVATE KEY-----',
      'abc',
      '-----END RSA PRIVATE KEY-----',
      'again 078-05-1120',
      '',
    ].join('\n');
    const s: RedactStream = r.stream({ keepLines: true });
    let out = '';
    for await (const c of Readable.from([log]).pipe(s)) out += String(c);
    expect(out.split('\n')).toEqual([
      'step 1',
      '[REFUSED:us-ssn]',
      'mail [REDACTED:email]',
      '[REDACTED:private-key]',
      '[REDACTED:private-key]',
      '[REDACTED:private-key]',
      '[REFUSED:us-ssn]',
      '',
    ]);
    expect(s.refused).toEqual([
      { line: 2, rules: ['us-ssn'] },
      { line: 7, rules: ['us-ssn'] },
    ]);
  });

  it('shares the secret rules prefilter: a keyworded pattern runs only on text holding its keyword', () => {
    const r = new Redactor({ pii: piiRules([{ builtin: 'email', policy: 'redact' }, ALL('reject')[5]!]) });
    expect(r.mightContainSecret('no at sign, no keyword: EMP 004217')).toBe(false);
    expect(r.mightContainSecret('x@y')).toBe(true);
    expect(r.mightContainSecret('emp-1')).toBe(true);
    // Keywords are matched case-insensitively, like the secret rules'.
    expect(r.redact('EMP-004217').refused).toEqual(['employee-id']);
    // The keyword-less built-ins (UK NI, IBAN) run on every text, as secret rules without keywords do.
    expect(new Redactor({ pii: piiRules([{ builtin: 'iban', policy: 'redact' }]) }).mightContainSecret('plain')).toBe(true);
  });

  it('a secret is replaced whole before a PII pattern sees its digits', () => {
    const r = new Redactor({ pii: piiRules(ALL('reject')) });
    const out = r.redact('Authorization: Bearer abcdefghij0123456789+44207946095');
    expect(out.text).toBe('Authorization: Bearer [REDACTED:auth-header]');
    expect(out.refused).toEqual([]);
  });

  it('checks IBANs by their mod-97 checksum', () => {
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
  });

  it('bad settings name their place in ci-intel.yml', () => {
    const err = (s: PiiSetting[]) => {
      try {
        piiRules(s);
      } catch (e) {
        expect(e).toBeInstanceOf(CiError);
        return (e as CiError).message;
      }
      throw new Error('no error');
    };
    expect(
      err([
        { builtin: 'email', policy: 'redact' },
        { id: 'x', regex: 'a(b', policy: 'reject' },
      ]),
    ).toMatch(/^redact\.pii\[1\]\.regex is not a valid regular expression: /);
    expect(err([{ id: 'x', regex: 'a*', policy: 'reject' }])).toBe('redact.pii[0].regex matches the empty string');
    expect(
      err([
        { builtin: 'email', policy: 'redact' },
        { builtin: 'email', policy: 'reject' },
      ]),
    ).toBe('redact.pii[1]: the pattern email is listed twice');
    // A lookbehind is JavaScript only: custom patterns run on RE2, and the error says so.
    expect(err([{ id: 'x', regex: '(?<=id:)\\d{6}', policy: 'reject' }])).toMatch(/^redact\.pii\[0\]\.regex is not a valid regular expression: /);
  });

  it('a custom pattern of a super-linear shape runs in linear time (RE2): redacts and finds spans like any rule', () => {
    // `(a+)+$` backtracks 2^n times in a backtracking engine on n a's not followed by the end.
    const r = new Redactor({
      banList: [],
      pii: piiRules([
        { id: 'aaa', regex: '(a+)+$', policy: 'redact' },
        { id: 'emp', regex: '(?<key>EMP-)(?<secret>\\d{6})', policy: 'redact' },
      ]),
    });
    const hostile = 'a'.repeat(50_000) + '!';
    expect(r.redact(hostile).text).toBe(hostile);
    expect(r.redact('xaaaa').text).toBe('x[REDACTED:aaa]');
    expect(r.spans('1 EMP-004217 and EMP-000001')).toEqual([
      [2, 12],
      [17, 27],
    ]);
    expect(r.redact('id EMP-004217').text).toBe('id EMP-[REDACTED:emp]');
  });
});
