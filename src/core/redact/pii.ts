// The PII ban list (seed 000: "ingest enforces PII ban list"): patterns of personal data checked
// before storage by the shared redactor, on every path it covers, and through its keyword
// prefilter. Each configured pattern has a policy: `redact` replaces the match as a secret is
// replaced; `reject` refuses the record or log line that holds it (the callers that can refuse —
// run ingest, log upload, finding upload — do; every other text path redacts it). Built-in
// patterns are chosen so that what CI logs are full of (versions, SHAs, timestamps, durations,
// package@version) does not match: phone numbers need a `+` country code or a `(NNN)` area code
// and 8–15 digits (10 when written without separators), IBANs must pass their mod-97 check, US
// SSNs exclude the never-issued areas, email domains exclude file names and reserved names.
import { Counter, type Registry } from 'prom-client';
import { CiError } from '../errors.js';
import { LinearRegExp } from './linear.js';
import type { RedactionRule, RedactorOptions } from './index.js';

export type PiiPolicy = 'redact' | 'reject';
export type PiiBuiltin = 'email' | 'phone' | 'us-ssn' | 'uk-ni' | 'iban';

export interface PiiRule extends RedactionRule {
  policy: PiiPolicy;
  /** What the pattern finds, for people: "an email address". */
  label: string;
}

/** A ci-intel.yml entry of `redact.pii` (validated by the config schema). */
export type PiiSetting = { builtin: PiiBuiltin; policy: PiiPolicy } | { id: string; regex: string; keywords?: string[]; label?: string; policy: PiiPolicy };

const digits = (s: string) => s.replace(/\D/g, '').length;

/** ISO 13616: move the first four characters to the end, letters to numbers, the result mod 97 is 1. */
export function ibanValid(s: string): boolean {
  const v = s.replace(/ /g, '');
  if (v.length < 15 || v.length > 34) return false;
  let rem = 0;
  for (const ch of v.slice(4) + v.slice(0, 4)) {
    const n = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of n) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem === 1;
}

/** Top-level names that are file extensions in CI logs (`openssl@1.1.bottle.tar.gz`, Qt's `bitcoin_ca@valencia.qm`). */
const FILE_EXTENSIONS = new Set(
  'gz bz2 xz zst zip tar tgz qm js mjs cjs json yml yaml xml html css txt log lock png jpg jpeg gif svg pdf jar war exe dll whl deb rpm bottle'.split(' '),
);
/** Names reserved for tests and local networks (RFC 2606, RFC 6762): `test@conference.localhost` is no one's address. */
const RESERVED = /(?:^|\.)(?:localhost|test|example|invalid|local|internal|example\.(?:com|net|org))$/i;

/** Is the part after `@` a domain mail could go to (not a file name, a version, a reserved name)? */
function realDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.some((l) => /^\d+$/.test(l))) return false;
  return !FILE_EXTENSIONS.has(labels[labels.length - 1]!.toLowerCase()) && !RESERVED.test(domain);
}

export const PII_BUILTINS: Record<PiiBuiltin, Omit<PiiRule, 'policy'>> = {
  email: {
    id: 'email',
    label: 'an email address',
    // Not `git@host:` (an SSH remote, a machine's address), nor `pkg@1.2.3` (the domain ends in letters).
    pattern: /(?<![\w.%+-])(?!git@)[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![\w-])/g,
    keywords: ['@'],
    check: (m) => realDomain(m.slice(m.lastIndexOf('@') + 1)),
  },
  phone: {
    id: 'phone',
    label: 'a phone number',
    pattern: /(?<![\w+])(?:\+[1-9]\d{0,2}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|\(\d{3}\) ?\d{3}[ .-]\d{4})(?![\w.+-]?\d)/g,
    keywords: ['+', '('],
    // E.164 allows 8–15 digits; written without separators, 8 or 9 digits are a date stamp (`+20160627`) far more often.
    check: (m) => digits(m) <= 15 && digits(m) >= (/^\+\d+$/.test(m) ? 10 : 8),
  },
  'us-ssn': {
    id: 'us-ssn',
    label: 'a US social security number',
    pattern: /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g,
    keywords: ['-'],
  },
  'uk-ni': {
    id: 'uk-ni',
    label: 'a UK national insurance number',
    pattern: /(?<![\w])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)/g,
  },
  iban: {
    id: 'iban',
    label: 'a bank account number (IBAN)',
    pattern: /(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)/g,
    check: ibanValid,
  },
};

/**
 * The rules of the `redact.pii` setting. A custom regex that does not compile is reported with its
 * place in ci-intel.yml. Custom regexes run on RE2 (linear.ts): linear time whatever their shape;
 * the built-ins are reviewed JavaScript regexes (lookarounds, no nested quantifiers).
 */
export function piiRules(settings: readonly PiiSetting[]): PiiRule[] {
  const seen = new Set<string>();
  return settings.map((s, i) => {
    const where = `redact.pii[${i}]`;
    let rule: PiiRule;
    if ('builtin' in s) rule = { ...PII_BUILTINS[s.builtin], policy: s.policy };
    else {
      let pattern: RegExp;
      try {
        pattern = new LinearRegExp(s.regex);
      } catch (e) {
        throw new CiError('E_CONFIG_INVALID', `${where}.regex is not a valid regular expression: ${(e as Error).message}`, {
          where,
          hint: 'write a regular expression (no slashes, no flags) in the RE2 dialect, which runs in linear time: no lookarounds or backreferences',
        });
      }
      if (pattern.test(''))
        throw new CiError('E_CONFIG_INVALID', `${where}.regex matches the empty string`, { where, hint: 'make the pattern match at least one character' });
      const keywords = s.keywords?.map((k) => k.toLowerCase());
      rule = { id: s.id, pattern, policy: s.policy, label: s.label ?? `a match of ${s.id}`, ...(keywords?.length ? { keywords } : {}) };
    }
    if (seen.has(rule.id)) throw new CiError('E_CONFIG_INVALID', `${where}: the pattern ${rule.id} is listed twice`, { where, hint: 'list each pattern once' });
    seen.add(rule.id);
    return rule;
  });
}

/** The redactor's options from the `redact` setting (the hub and every command that redacts). */
export function redactorOptions(r: { banList: string[]; pii?: readonly PiiSetting[] }): { banList: string[]; pii: PiiRule[] } {
  return { banList: r.banList, pii: piiRules(r.pii ?? []) };
}

export const PII_METRIC = 'ci_intel_pii_matches_total';

/**
 * The redactor's options with a /metrics counter of PII matches by pattern and action, each
 * configured pattern at 0 from the start (an alert on a rate needs the series to exist).
 */
export function countedRedactorOptions(r: Parameters<typeof redactorOptions>[0], metrics: Registry): RedactorOptions {
  const o = redactorOptions(r);
  const counter = new Counter({
    name: PII_METRIC,
    help: 'PII ban-list matches before storage, by pattern and action (redact: replaced; reject: the record or line refused).',
    labelNames: ['pattern', 'action'],
    registers: [metrics],
  });
  for (const p of o.pii) counter.inc({ pattern: p.id, action: p.policy }, 0);
  return { ...o, onPii: (id, action, n) => counter.inc({ pattern: id, action }, n) };
}

/** What refused patterns found, for an error: `holds an email address (PII pattern email), policy reject`. */
export function piiHolds(pii: ReadonlyMap<string, PiiRule>, ids: readonly string[]): string {
  return `holds ${ids.map((id) => `${pii.get(id)?.label ?? id} (PII pattern ${id})`).join(', ')}, policy reject`;
}
