// The shared redactor: every path that stores or prints text passes it through here first
// (seed 000: "Redact secrets", "ingest enforces PII ban list"). Rules are reviewed JS regexes
// without nested quantifiers, so they run in linear time on any input. The autopsy pillar extends
// the rule set through `createRedactor({ rules })`.
import { Transform, type TransformCallback } from 'node:stream';
import type { PiiPolicy, PiiRule } from './pii.js';

export interface RedactionRule {
  /** Stable id, shown in the placeholder: `[REDACTED:<id>]`. */
  id: string;
  /** Must be global (`g`). Group `secret` (named) narrows what is replaced; otherwise the whole match. */
  pattern: RegExp;
  /**
   * Lower-case literals of which every match contains at least one (as gitleaks' keywords): the
   * rule's regex runs only on text that contains one. Absent: the regex always runs.
   */
  keywords?: string[];
  /**
   * Lower-case literals that every text the rule fires on contains, all of them (checked after a
   * keyword activated the rule). `://` is in every URL of a webhook payload, `@` in few of them.
   */
  requires?: string[];
  /** A match is replaced only when this accepts it (a checksum, a digit count). */
  check?: (match: string) => boolean;
}

export interface RedactorOptions {
  /** Extra rules, applied after the built-in ones. */
  rules?: RedactionRule[];
  /** PII ban list: literal strings (emails, names, hostnames) replaced wherever they occur, case-insensitively. */
  banList?: string[];
  /** PII ban list: patterns with a policy, applied after the secret rules (pii.ts). */
  pii?: PiiRule[];
  /** Counts PII matches by pattern and policy (the hub's /metrics counter). */
  onPii?: (id: string, action: PiiPolicy, matches: number) => void;
}

export interface Redaction {
  text: string;
  /** Rule ids that fired, with counts. */
  hits: Record<string, number>;
  /** PII patterns of policy `reject` that matched (sorted): the caller refuses the text. */
  refused: string[];
}

/** Where a JSON value holds text a `reject` PII pattern matched. */
export interface RefusedValue {
  /** JSON pointer of the string (or of the key's member). */
  pointer: string;
  rule: string;
}

export const placeholder = (id: string) => `[REDACTED:${id}]`;
/** What a log line refused by a `reject` PII pattern is stored as (the log keeps its line numbers). */
export const refusedMarker = (id: string) => `[REFUSED:${id}]`;

/** A log line a `reject` PII pattern refused (1-based). */
export interface RefusedLine {
  line: number;
  rules: string[];
}

// Token formats follow the vendors' published prefixes.
export const BUILTIN_RULES: RedactionRule[] = [
  {
    id: 'github-token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  },
  {
    id: 'gitlab-token',
    pattern: /\b(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt|gloas)-[A-Za-z0-9_-]{20,64}\b/g,
    keywords: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glft-', 'glsoat-', 'glcbt-', 'gloas-'],
  },
  { id: 'slack-token', pattern: /\bxox[abposer]-[A-Za-z0-9-]{10,250}\b/g, keywords: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxe-', 'xoxr-'] },
  { id: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,}/g, keywords: ['hooks.slack.com'] },
  {
    id: 'aws-access-key-id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g,
    keywords: ['akia', 'asia', 'abia', 'acca', 'agpa', 'aida', 'aipa', 'anpa', 'anva', 'apka', 'aroa', 'asca'],
  },
  {
    id: 'aws-secret-access-key',
    pattern:
      /(?<key>aws_?secret_?access_?key|AWS_SECRET_ACCESS_KEY|SecretAccessKey|secret_?key)(?<sep>["']?\s*[:=]\s*["']?)(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    keywords: ['secret'],
  },
  { id: 'gcp-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, keywords: ['aiza'] },
  { id: 'gcp-oauth-token', pattern: /\bya29\.[0-9A-Za-z_-]{20,}/g, keywords: ['ya29.'] },
  {
    id: 'azure-storage-key',
    pattern: /(?<key>AccountKey|SharedAccessKey)=(?<secret>[A-Za-z0-9+/]{20,}={0,2})/g,
    keywords: ['accountkey=', 'sharedaccesskey='],
  },
  { id: 'azure-sas-signature', pattern: /(?<key>[?&]sig=)(?<secret>[A-Za-z0-9%+/=]{20,})/g, keywords: ['sig='] },
  // GCP service-account key files (the key itself is a PEM block, caught below; its id is secret too).
  { id: 'gcp-sa-key-id', pattern: /(?<key>"private_key_id"\s*:\s*")(?<secret>[0-9a-f]{40})(?=")/g, keywords: ['private_key_id'] },
  // Azure AD (Entra) client secrets: 3 chars, a digit, `Q~`, 31-34 more.
  { id: 'azure-client-secret', pattern: /(?<![\w~.-])[\w~.-]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])/g, keywords: ['q~'] },
  {
    id: 'azure-connection-string',
    pattern: /(?<key>(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|pwd)=)(?<secret>[^;"'\s]{8,})(?=;|"|'|\s|$)/gi,
    keywords: ['accountkey=', 'sharedaccesskey=', 'sharedaccesssignature=', 'password=', 'pwd='],
  },
  { id: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, keywords: ['npm_'] },
  { id: 'docker-pat', pattern: /\bdckr_pat_[A-Za-z0-9_-]{20,}/g, keywords: ['dckr_pat_'] },
  { id: 'pypi-token', pattern: /\bpypi-AgE[A-Za-z0-9_-]{50,}/g, keywords: ['pypi-age'] },
  { id: 'vault-token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g, keywords: ['hvs.', 'hvb.', 'hvr.'] },
  { id: 'terraform-cloud-token', pattern: /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{60,}/g, keywords: ['.atlasv1.'] },
  { id: 'sendgrid-key', pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g, keywords: ['sg.'] },
  { id: 'openai-key', pattern: /\bsk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{32,}/g, keywords: ['sk-'] },
  { id: 'slack-app-token', pattern: /\bxapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,}\b/g, keywords: ['xapp-'] },
  { id: 'npmrc-auth', pattern: /(?<key>_auth(?:Token)?\s*=\s*)(?<secret>[^\s"']{8,})/g, keywords: ['_auth'] },
  { id: 'stripe-key', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g, keywords: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'] },
  { id: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, keywords: ['eyj'] },
  {
    id: 'private-key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
    keywords: ['private key'],
  },
  // scheme://user:password@host — keep the user and host, drop the password.
  {
    id: 'url-password',
    pattern: /(?<key>\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/[^\s:/@"'<>]{1,256}:)(?<secret>[^\s@"'<>/]{1,256})(?=@)/g,
    keywords: ['://'],
    requires: ['@'],
  },
  { id: 'auth-header', pattern: /(?<key>\bAuthorization:\s*(?:Bearer|Basic|token|Token)\s+)(?<secret>[A-Za-z0-9._~+/=-]{8,})/gi, keywords: ['authorization:'] },
  { id: 'bearer-token', pattern: /(?<key>\bBearer\s+)(?<secret>[A-Za-z0-9._~+/-]{20,}=*)/g, keywords: ['bearer'] },
  // Passwords and tokens given on a command line (`set -x` traces them): --password X, docker login -p X.
  {
    id: 'cli-secret-flag',
    pattern:
      /(?<key>(?:--(?:password|passwd|token|api-?key|secret|client-secret|auth-token)(?:=|\s+))|(?:\b(?:docker|podman|helm) (?:registry )?login\b[^\n]*?\s-p\s*))(?<secret>[^\s'"]{6,})/gi,
    keywords: ['--password', '--passwd', '--token', '--api', '--secret', '--client-secret', '--auth-token', 'login'],
  },
  // SECRET=value style assignments whose value looks like a credential (checked in code below).
  {
    id: 'secret-assignment',
    pattern:
      /(?<key>\b[A-Za-z0-9_.-]{0,40}(?:SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)[A-Za-z0-9_]{0,20}["']?\s*[:=]\s*["']?)(?<secret>[^\s"',;]{8,})/gi,
    keywords: [
      'secret',
      'token',
      'password',
      'passwd',
      'passphrase',
      'api_key',
      'apikey',
      'access_key',
      'accesskey',
      'private_key',
      'privatekey',
      'credential',
      'auth',
    ],
  },
];

/** Rules whose value must also look like a credential (not `true`, `$VAR`, a word). */
const ENTROPY_CHECKED = new Set(['secret-assignment', 'cli-secret-flag', 'azure-connection-string']);

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * A word as people name things: `service`, `Account`, `HMAC`, `oauth2`, `SHA256` (letters, then
 * at most a few digits at the end) — never the mixed case and digits of a generated credential.
 */
const WORDY = /^(?:[A-Z]?[a-z]{2,}|[A-Z]{2,})+\d{0,3}$/;

/**
 * Is an assigned value a name, path, URL, host or reference rather than a credential? Every part
 * between separators is a word (or short), and at least one is a real word: `github-oauth2`,
 * `./models/tokenizer.json`, `https://sts.amazonaws.com`, `process.env.STRIPE_KEY`, `AWS4-HMAC-SHA256`.
 */
function looksLikeName(value: string): boolean {
  const parts = value.split(/[-_.:/#@+=~,\\]+/).filter(Boolean);
  if (!parts.length) return true;
  let word = false;
  for (const p of parts) {
    if (WORDY.test(p)) word ||= p.length >= 5;
    else if (p.length > 4 && !/^\d+$/.test(p)) return false;
  }
  return word;
}

/** Is an assigned value credential-like (not `true`, `${{ secrets.X }}`, a path, a name or a word)? */
function looksSecret(value: string): boolean {
  if (value.startsWith('[REDACTED:') || value.startsWith('$') || value.startsWith('***')) return false;
  if (/^(?:true|false|null|none|undefined|required|optional|string|\*+|x+)$/i.test(value)) return false;
  if (/^[a-z]+(?:[-_][a-z]+)*$/.test(value)) return false; // plain words: "my-token-name"
  if (/^[A-Z]+(?:_[A-Z]+)+$/.test(value)) return false; // a variable's name: "DEPLOY_TOKEN must be set"
  if (looksLikeName(value)) return false;
  return value.length >= 8 && entropy(value) >= 3.0;
}

/**
 * Keys that name something about a secret, not the secret: `TOKEN_ENDPOINT`, `SECRETS_DIR`,
 * `auth_method`, `tokenizer`, `passwordless`, `PRIVATE_KEY_PATH`, `secret_version`.
 */
const METADATA_KEY =
  /(?:endpoint|url|uri|header|name|file|path|dir|type|method|provider|source|audience|policy|version|rotation|server|host|ttl|expiry|expires|length|format|scope|issuer|mode|enabled|izer|less|count|limit|timeout|id)["']?\s*[:=]/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface RedactorCtorOptions extends RedactorOptions {
  /** Skip the keyword prefilter (tests compare both paths). */
  noPrefilter?: boolean;
}

export class Redactor {
  readonly rules: RedactionRule[];
  /** PII patterns by id. */
  readonly pii: ReadonlyMap<string, PiiRule>;
  private readonly onPii: RedactorOptions['onPii'];
  private readonly banPattern: RegExp | null;
  private readonly usePrefilter: boolean;
  /** One alternation of every rule keyword (and ban-list entry), longest first, on lower-cased text. */
  private readonly keywordPattern: RegExp | null;
  /** keyword -> indices of the rules it (or a keyword that is its prefix) activates; -1 = the ban list. */
  private readonly keywordRules = new Map<string, number[]>();
  /** Rules without keywords run on every text. */
  private readonly alwaysOn: number[];
  private readonly onlyAlwaysOn: { rules: RedactionRule[]; ban: boolean };

  constructor(opts: RedactorCtorOptions = {}) {
    // PII patterns come last: a token is replaced whole before a phone-like run of its digits is looked at.
    this.rules = [...BUILTIN_RULES, ...(opts.rules ?? []), ...(opts.pii ?? [])];
    this.pii = new Map((opts.pii ?? []).map((r) => [r.id, r]));
    this.onPii = opts.onPii;
    for (const r of this.rules) if (!r.pattern.global) throw new Error(`redaction rule ${r.id} must be global`);
    const ban = (opts.banList ?? []).map((s) => s.trim()).filter((s) => s.length >= 3);
    this.banPattern = ban.length ? new RegExp(ban.map(escapeRegExp).join('|'), 'gi') : null;
    this.usePrefilter = !opts.noPrefilter;
    const owners = new Map<string, Set<number>>();
    const add = (k: string, i: number) => {
      if (!owners.has(k)) owners.set(k, new Set());
      owners.get(k)!.add(i);
    };
    this.rules.forEach((r, i) => r.keywords?.forEach((k) => add(k.toLowerCase(), i)));
    for (const b of ban) add(b.toLowerCase(), -1);
    this.alwaysOn = this.rules.flatMap((r, i) => (r.keywords?.length ? [] : [i]));
    this.onlyAlwaysOn = { rules: this.alwaysOn.map((i) => this.rules[i]!), ban: false };
    // At one position the alternation reports only the longest keyword; every shorter keyword that
    // matches there is a prefix of it, so a keyword also activates the rules of its prefixes.
    const words = [...owners.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    for (const w of words) {
      const set = new Set<number>();
      for (const v of words) if (w.startsWith(v)) owners.get(v)!.forEach((i) => set.add(i));
      this.keywordRules.set(w, [...set]);
    }
    this.keywordPattern = words.length ? new RegExp(words.map(escapeRegExp).join('|'), 'g') : null;
  }

  /**
   * The rules that can fire on a text: those with a keyword in it (one lower-casing and one scan
   * with an alternation of plain literals — the rules' own regexes combined would be tried at
   * every position, and one scan per keyword costs a call each) and those without keywords.
   */
  private activeRules(text: string): { rules: RedactionRule[]; ban: boolean } {
    if (!this.usePrefilter) return { rules: this.rules, ban: this.banPattern !== null };
    if (!this.keywordPattern) return this.onlyAlwaysOn;
    const lower = text.toLowerCase();
    const re = this.keywordPattern;
    re.lastIndex = 0;
    let m = re.exec(lower);
    // Most strings of a record or payload hold no keyword: answer without allocating.
    if (!m) return this.onlyAlwaysOn;
    const on = new Set<number>(this.alwaysOn);
    for (; m; m = re.exec(lower)) {
      for (const i of this.keywordRules.get(m[0])!) on.add(i);
      re.lastIndex = m.index + 1; // overlapping keywords start inside this one
    }
    const ban = on.delete(-1);
    const rules = [...on]
      .sort((a, b) => a - b)
      .map((i) => this.rules[i]!)
      .filter((r) => !r.requires || r.requires.every((w) => lower.includes(w)));
    return { rules, ban };
  }

  /** False when no rule can fire on the text (cheap; callers may skip work on clean text). */
  mightContainSecret(text: string): boolean {
    const a = this.activeRules(text);
    return a.rules.length > 0 || a.ban;
  }

  /** Redacts a whole text (any number of lines; multi-line secrets such as PEM blocks included). */
  redact(text: string): Redaction {
    const hits: Record<string, number> = {};
    const active = this.activeRules(text);
    let out = text;
    for (const rule of active.rules) {
      rule.pattern.lastIndex = 0;
      if (!rule.pattern.test(out)) continue;
      rule.pattern.lastIndex = 0;
      out = out.replace(rule.pattern, (...args) => {
        const match = args[0] as string;
        if (rule.check && !rule.check(match)) return match;
        const groups = args[args.length - 1] as Record<string, string | undefined> | string;
        const g = typeof groups === 'object' && groups ? groups : undefined;
        if (g?.secret !== undefined) {
          if (ENTROPY_CHECKED.has(rule.id) && !looksSecret(g.secret)) return match;
          if (rule.id === 'secret-assignment' && METADATA_KEY.test(g.key ?? '')) return match;
          hits[rule.id] = (hits[rule.id] ?? 0) + 1;
          return `${g.key ?? ''}${g.sep ?? ''}${placeholder(rule.id)}`;
        }
        hits[rule.id] = (hits[rule.id] ?? 0) + 1;
        return placeholder(rule.id);
      });
    }
    if (this.banPattern && active.ban) {
      this.banPattern.lastIndex = 0;
      out = out.replace(this.banPattern, () => {
        hits.pii = (hits.pii ?? 0) + 1;
        return placeholder('pii');
      });
    }
    const refused: string[] = [];
    if (this.pii.size)
      for (const [id, n] of Object.entries(hits)) {
        const p = this.pii.get(id);
        if (!p) continue;
        if (p.policy === 'reject') refused.push(id);
        this.onPii?.(id, p.policy, n);
      }
    return { text: out, hits, refused: refused.sort() };
  }

  /**
   * Where the rules match in a text (start, end), replaced or not: the stream cuts an over-long
   * line only where no match is, so a secret is never split between two pieces.
   */
  spans(text: string): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const rule of this.activeRules(text).rules) {
      // The rule's own pattern (a custom PII one runs on RE2: a copy made with new RegExp would not).
      const re = rule.pattern;
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        out.push([m.index, m.index + m[0].length]);
        if (m[0].length === 0) re.lastIndex++;
      }
      re.lastIndex = 0;
    }
    return out;
  }

  /** Shorthand: the redacted text only. */
  apply(text: string): string {
    return this.redact(text).text;
  }

  /**
   * Redacts every string (keys included) inside a JSON value. Returns the same object when nothing changed, so
   * callers can keep the record byte-for-byte as sent in that (common) case.
   */
  redactValue<T>(value: T): { value: T; changed: boolean; refused: RefusedValue[] } {
    let changed = false;
    const refused: RefusedValue[] = [];
    // The path is kept as parts and joined only for a refusal (most records have none).
    const path: string[] = [];
    const text = (s: string): string => {
      const r = this.redact(s);
      if (r.text !== s) changed = true;
      for (const rule of r.refused) refused.push({ pointer: path.map((p) => '/' + p.replace(/~/g, '~0').replace(/\//g, '~1')).join(''), rule });
      return r.text;
    };
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return text(v);
      if (Array.isArray(v))
        return v.map((x, i) => {
          path.push(String(i));
          const r = walk(x);
          path.pop();
          return r;
        });
      if (v && typeof v === 'object') {
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          path.push(k);
          // Keys are text people write too (a matrix key can hold a token).
          const key = text(k);
          o[key] = walk(x);
          path.pop();
        }
        return o;
      }
      return v;
    };
    const out = walk(value);
    return changed ? { value: out as T, changed, refused } : { value, changed, refused };
  }

  /**
   * A line-oriented redacting stream: PEM blocks spanning lines are held until they close.
   * `keepLines`: a block becomes one placeholder per line instead of one in all, so a stored log
   * keeps its line numbers (the autopsy pillar stores logs this way).
   */
  stream(opts: { keepLines?: boolean; piece?: number; lookAhead?: number } = {}): RedactStream {
    return new RedactStream(this, opts.keepLines ?? false, opts.piece, opts.lookAhead);
  }
}

const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
const PEM_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
/** A PEM block longer than this many lines is not a key: flush it as redacted anyway. */
const PEM_MAX_LINES = 200;

/**
 * A line longer than this is redacted in pieces of about this size, cut where no rule matches, so
 * memory and time stay linear however long a line is (a 40 MB minified bundle on one line took
 * 10 s when the line was rescanned for its end at every chunk).
 */
export const LONG_LINE_PIECE = 1024 * 1024;
/** How far past a piece the rules look (longer than any bounded secret). */
export const LOOK_AHEAD = 64 * 1024;
/** A cut this close after a match could break a lookahead (`user:pass` needs the `@` after it). */
const CUT_MARGIN = 16;

/**
 * Where to cut a window of `length` characters: the free position nearest below `piece` (else the
 * nearest above it), free meaning not inside a match nor just after one. Positions worth trying
 * are `piece` and the ends of the matches' blocked stretches.
 */
export function freeCut(spans: Array<[number, number]>, piece: number, length: number): number {
  const free = (c: number) => c > 0 && c <= length && !spans.some(([s, e]) => s < c && c < e + CUT_MARGIN);
  const tries = [piece, ...spans.map(([s]) => s), ...spans.map(([, e]) => e + CUT_MARGIN)];
  const below = tries.filter((c) => c <= piece && free(c)).sort((a, b) => b - a);
  if (below.length) return below[0]!;
  const above = tries.filter((c) => c > piece && free(c)).sort((a, b) => a - b);
  // A match longer than the whole window: nowhere is free; cut at the piece (cannot be helped).
  return above[0] ?? piece;
}

/**
 * Streams text line by line, redacting each line and whole PEM private-key blocks; line endings
 * are kept as they were. A line without an end is held in pieces and searched for its end only in
 * the new chunk (linear time); past LONG_LINE_PIECE it is redacted and passed on piece by piece.
 */
export class RedactStream extends Transform {
  private pending: string[] = [];
  private pendingLength = 0;
  private pem: string[] | null = null;
  /** Lines seen so far (the one being held is lineNo + 1). */
  private lineNo = 0;
  /** Lines a `reject` PII pattern refused, in order: stored as their marker, reported by the caller. */
  readonly refused: RefusedLine[] = [];

  constructor(
    private readonly redactor: Redactor,
    private readonly keepLines: boolean,
    private readonly piece = LONG_LINE_PIECE,
    private readonly lookAhead = LOOK_AHEAD,
  ) {
    super({ decodeStrings: true, encoding: 'utf8' });
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.pending.push(text.slice(start, nl + 1));
      const line = this.pending.join('');
      this.pending = [];
      this.pendingLength = 0;
      this.line(line);
      start = nl + 1;
    }
    if (start < text.length) {
      this.pending.push(text.slice(start));
      this.pendingLength += text.length - start;
      if (this.pendingLength >= this.piece + this.lookAhead) this.longLine();
    }
    cb();
  }

  /** Passes on the redacted head of an over-long line, cut where no rule's match is. */
  private longLine(): void {
    let text = this.pending.join('');
    while (text.length >= this.piece + this.lookAhead) {
      const window = text.slice(0, this.piece + this.lookAhead);
      const cut = freeCut(this.redactor.spans(window), this.piece, window.length);
      this.push(this.redactText(text.slice(0, cut), this.lineNo + 1));
      text = text.slice(cut);
    }
    this.pending = [text];
    this.pendingLength = text.length;
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    if (rest) this.line(rest);
    if (this.pem) {
      // An unterminated key block: everything after BEGIN is secret.
      if (!this.keepLines) this.push(`${placeholder('private-key')}\n`);
      else
        this.push(
          this.pem
            .map((l, i) => (i === 0 ? this.redactor.apply(l.slice(0, l.search(PEM_BEGIN))) : '') + placeholder('private-key') + (l.endsWith('\n') ? '\n' : ''))
            .join(''),
        );
      this.pem = null;
    }
    cb();
  }

  /** Redacts one line (or a piece of a long one); a refused one becomes its marker, line end kept. */
  private redactText(text: string, lineNo: number): string {
    const r = this.redactor.redact(text);
    if (!r.refused.length) return r.text;
    const last = this.refused[this.refused.length - 1];
    if (last?.line === lineNo) last.rules = [...new Set([...last.rules, ...r.refused])].sort();
    else this.refused.push({ line: lineNo, rules: r.refused });
    const nl = text.endsWith('\r\n') ? '\r\n' : text.endsWith('\n') ? '\n' : '';
    return r.refused.map(refusedMarker).join(' ') + nl;
  }

  private line(line: string): void {
    this.lineNo++;
    if (this.pem) {
      this.pem.push(line);
      if (PEM_END.test(line) || this.pem.length > PEM_MAX_LINES) {
        // One placeholder line per line of the block, so the stored log keeps its line numbers;
        // what precedes BEGIN and follows END on their lines is kept (redacted like any text).
        const lines = this.pem;
        this.pem = null;
        if (!this.keepLines) {
          this.push(this.redactor.apply(lines.join('')).replace(/-----BEGIN[\s\S]*$/, placeholder('private-key') + '\n'));
          return;
        }
        const first = lines[0]!;
        const begin = first.search(PEM_BEGIN);
        const last = lines[lines.length - 1]!;
        const endMatch = PEM_END.exec(last);
        const nl = (l: string) => (l.endsWith('\r\n') ? '\r\n' : l.endsWith('\n') ? '\n' : '');
        const out: string[] = [];
        lines.forEach((l, i) => {
          let text = placeholder('private-key');
          if (i === 0) text = this.redactor.apply(first.slice(0, begin)) + text;
          if (i === lines.length - 1 && endMatch) text += this.redactor.apply(last.slice(endMatch.index + endMatch[0].length).replace(/\r?\n$/, ''));
          out.push(text + nl(l));
        });
        this.push(out.join(''));
      }
      return;
    }
    if (PEM_BEGIN.test(line) && !PEM_END.test(line)) {
      this.pem = [line];
      return;
    }
    this.push(this.redactText(line, this.lineNo));
  }
}

let shared: Redactor | undefined;
/** The process-wide redactor with the built-in rules (tests and simple callers). */
export function defaultRedactor(): Redactor {
  shared ??= new Redactor();
  return shared;
}
