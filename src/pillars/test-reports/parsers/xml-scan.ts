// A purpose-built XML tokenizer for JUnit reports (issue 5: >= 60 MB/s; a general SAX parser such
// as saxes reads every character through a state machine and tops out near 30 MB/s here). It jumps
// from markup to markup with indexOf over the decoded text, parses the attributes only of the
// elements its handler keeps, decodes entities only in what is kept, and streams: the input comes in
// chunks and only an unfinished token (a tag cut by a chunk boundary, an entity cut in kept text) is
// carried over, so memory stays flat however large the report.
//
// Safety: entities are never expanded. Only the five predefined entities and numeric character
// references are decoded; anything else is an error. DOCTYPE text is handed to the handler (which
// refuses declarations). What is checked for well-formedness: every start tag has its matching end
// tag (a stack of every open element, not only the kept ones), one root element, no text outside it,
// attribute syntax (quoted values, no `<`, no duplicates) and entities in kept elements, unclosed
// comments / CDATA / tags / elements at the end of the input. Not checked (saxes did): the exact
// character classes of names, forbidden control characters, `]]>` in text, entities in the text and
// attributes of elements the handler does not keep (system-out, properties), the XML declaration's
// content. See docs/notes/issue-5.md.
import { StringDecoder } from 'node:string_decoder';
import { CiError } from '../../../core/errors.js';

export interface XmlHandler {
  /** A start tag; `attrs` only for names in the scanner's `keep` set, else null. */
  open(name: string, attrs: Attrs | null): void;
  close(name: string): void;
  /** Text and CDATA inside elements, decoded; called only while `scanner.capturing` is true. */
  text(t: string): void;
  /** A comment's text (only the first COMMENT_KEEP characters), with the depth it is at. */
  comment(c: string, depth: number): void;
  doctype(d: string): void;
}

const COMMENT_KEEP = 256;
/** A single token (a tag with its attributes, a DOCTYPE) larger than this is refused, not buffered. */
const TOKEN_CAP = 16 * 1024 * 1024;
const DOCTYPE_CAP = 1024 * 1024;

const LT = 60,
  GT = 62,
  SLASH = 47,
  BANG = 33,
  QMARK = 63,
  EQ = 61,
  DQ = 34,
  SQ = 39;

const enum Mode {
  Markup,
  Cdata,
  Comment,
  Pi,
  Doctype,
}

/**
 * The five predefined entities, `&` at `amp` and `;` at `semi`; compared in place, because looking a
 * fresh substring up as an object key costs a string-table probe per entity.
 */
function predefined(s: string, amp: number, semi: number): string | undefined {
  const c1 = s.charCodeAt(amp + 1);
  const c2 = s.charCodeAt(amp + 2);
  switch (semi - amp) {
    case 3:
      if (c2 !== 116 /* t */) return undefined;
      return c1 === 108 /* l */ ? '<' : c1 === 103 /* g */ ? '>' : undefined;
    case 4:
      return c1 === 97 && c2 === 109 && s.charCodeAt(amp + 3) === 112 ? '&' : undefined;
    case 5: {
      const c3 = s.charCodeAt(amp + 3);
      const c4 = s.charCodeAt(amp + 4);
      if (c1 === 113 && c2 === 117 && c3 === 111 && c4 === 116) return '"';
      if (c1 === 97 && c2 === 112 && c3 === 111 && c4 === 115) return "'";
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The attributes of a kept element. The names JUnit reports use are fields of one fixed shape (a
 * dynamic `attrs[key]` costs a megamorphic lookup per attribute, more than the rest of the tag);
 * any other attribute lands in `other`.
 */
export class Attrs {
  name: string | undefined = undefined;
  classname: string | undefined = undefined;
  time: string | undefined = undefined;
  message: string | undefined = undefined;
  type: string | undefined = undefined;
  file: string | undefined = undefined;
  line: string | undefined = undefined;
  class: string | undefined = undefined;
  tests: string | undefined = undefined;
  skipped: string | undefined = undefined;
  assertions: string | undefined = undefined;
  other: Array<[string, string]> | null = null;

  /** From a name → value record (what saxes hands out). */
  static from(rec: Record<string, string>): Attrs {
    const a = new Attrs();
    for (const [k, v] of Object.entries(rec)) a.set(k, v);
    return a;
  }

  /** Sets one attribute; false when it was set already (a duplicate). */
  set(key: string, v: string): boolean {
    switch (key) {
      case 'name':
        return this.name === undefined && ((this.name = v), true);
      case 'classname':
        return this.classname === undefined && ((this.classname = v), true);
      case 'time':
        return this.time === undefined && ((this.time = v), true);
      case 'message':
        return this.message === undefined && ((this.message = v), true);
      case 'type':
        return this.type === undefined && ((this.type = v), true);
      case 'file':
        return this.file === undefined && ((this.file = v), true);
      case 'line':
        return this.line === undefined && ((this.line = v), true);
      case 'class':
        return this.class === undefined && ((this.class = v), true);
      case 'tests':
        return this.tests === undefined && ((this.tests = v), true);
      case 'skipped':
        return this.skipped === undefined && ((this.skipped = v), true);
      case 'assertions':
        return this.assertions === undefined && ((this.assertions = v), true);
      default:
        if (this.other?.some(([k]) => k === key)) return false;
        (this.other ??= []).push([key, v]);
        return true;
    }
  }

  /** One attribute by name (the report formats other than JUnit read theirs this way). */
  get(key: string): string | undefined {
    if ((KNOWN as readonly string[]).includes(key)) return this[key as (typeof KNOWN)[number]];
    return this.other?.find(([k]) => k === key)?.[1];
  }

  /** Every attribute set, as [name, value]. */
  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const k of KNOWN) {
      const v = this[k];
      if (v !== undefined) out.push([k, v]);
    }
    return this.other ? out.concat(this.other) : out;
  }
}
const KNOWN = ['name', 'classname', 'time', 'message', 'type', 'file', 'line', 'class', 'tests', 'skipped', 'assertions'] as const;

/** Element names JUnit reports use, by first character, longer before shorter (testsuites before testsuite). */
const TAGS_BY_FIRST_CHAR: Array<string[] | undefined> = [];
for (const t of [
  'testsuites',
  'testsuite',
  'testcase',
  'testrun',
  'failure',
  'error',
  'skipped',
  'system-out',
  'system-err',
  'properties',
  'property',
  'flakyFailure',
  'flakyError',
  'rerunFailure',
  'rerunError',
]) {
  (TAGS_BY_FIRST_CHAR[t.charCodeAt(0)] ??= []).push(t);
}

/** The known element name starting at `a` and ending there (a space, `>` or `/` follows), or null. */
function knownTagAt(s: string, a: number): string | null {
  // Near the end of the text the slow path reads the name: a read past the end would deoptimize.
  if (a + 13 >= s.length) return null;
  const list = TAGS_BY_FIRST_CHAR[s.charCodeAt(a)];
  if (list === undefined) return null;
  for (let j = 0; j < list.length; j++) {
    const t = list[j]!;
    const len = t.length;
    let i = 1;
    while (i < len && s.charCodeAt(a + i) === t.charCodeAt(i)) i++;
    if (i === len && endsName(s.charCodeAt(a + len))) return t;
  }
  return null;
}

/** Known attribute names by their first character (c and t, shared by several, are told apart in knownAttrAt). */
const BY_FIRST_CHAR: Array<string | undefined> = [];
for (const k of ['name', 'message', 'file', 'line', 'skipped', 'assertions']) BY_FIRST_CHAR[k.charCodeAt(0)] = k;

/**
 * The known attribute name starting at `a` (followed by `=` or a space), as its constant string: an
 * internalized key, so `Attrs.set` is a cheap switch. Null for any other name.
 */
function knownAttrAt(s: string, a: number): string | null {
  if (a + 11 >= s.length) return null;
  const c = s.charCodeAt(a);
  let k: string | undefined;
  if (c === 99 /* c */) k = s.charCodeAt(a + 5) === 110 ? 'classname' : 'class';
  else if (c === 116 /* t */) {
    const c1 = s.charCodeAt(a + 1);
    k = c1 === 105 ? 'time' : c1 === 121 ? 'type' : 'tests';
  } else k = BY_FIRST_CHAR[c];
  if (k === undefined) return null;
  const len = k.length;
  for (let i = 1; i < len; i++) if (s.charCodeAt(a + i) !== k.charCodeAt(i)) return null;
  const after = s.charCodeAt(a + len);
  return after === EQ || isSpace(after) ? k : null;
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;
/** Characters that end a tag name. */
const endsName = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === GT || c === SLASH;
/** A loose name-start check: letters, `_`, `:` and anything non-ASCII. */
const startsName = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0x80;
/** The XML Char production, for numeric character references. */
const isXmlChar = (n: number) =>
  n === 9 || n === 10 || n === 13 || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);

export class XmlScanner {
  /** Set by the handler while it wants text (an outcome's body). */
  capturing = false;
  private buf = '';
  /** Newlines and characters since the last newline in the text already consumed. */
  private lineBase = 0;
  private colBase = 0;
  private mode = Mode.Markup;
  private readonly stack: string[] = [];
  private rootSeen = false;
  private rootClosed = false;
  private comment = '';
  private doctypeText = '';
  /** The next `&`, `\n`, `\t`, `\r` in the text being scanned (-1: none left; before the current place: unknown). */
  private ampAt = 0;
  private nlAt = 0;
  private tabAt = 0;
  private crAt = 0;
  /** The first `<` after the last start tag's name (-1: none, or not known). */
  private ltAt = -1;
  /** Where in `buf` the current token is, for line numbers of errors the handler raises. */
  private at = 0;
  // node's StringDecoder (native UTF-8, a split multi-byte character waits for the next chunk) is
  // faster than TextDecoder's stream mode; it keeps a byte order mark, which write() drops.
  private readonly decoder = new StringDecoder('utf8');
  private started = false;

  constructor(
    private readonly handler: XmlHandler,
    private readonly keep: ReadonlySet<string>,
    private readonly name: string,
  ) {}

  get depth(): number {
    return this.stack.length;
  }

  /** `file:line:column` of the current token. */
  where(pos = this.at): string {
    const s = this.buf;
    let line = this.lineBase + 1;
    let last = -1;
    for (let k = s.indexOf('\n'); k !== -1 && k < pos; k = s.indexOf('\n', k + 1)) {
      line++;
      last = k;
    }
    const col = last === -1 ? this.colBase + pos + 1 : pos - last;
    return `${this.name}:${line}:${col}`;
  }

  /** `file:line` of the current token. */
  whereLine(): string {
    return this.where().replace(/:\d+$/, '');
  }

  private fail(msg: string, pos: number): never {
    throw new CiError('E_REPORT_MALFORMED', `not well-formed XML: ${msg}`, {
      where: this.where(pos),
      hint: 'the report is truncated or corrupt; regenerate it with the test runner',
    });
  }

  write(chunk: Buffer): void {
    let t = this.decoder.write(chunk);
    if (!this.started && t.length) {
      this.started = true;
      if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
    }
    this.feed(t, false);
  }

  /** The end of the input: anything still open is an error. */
  end(): void {
    let t = this.decoder.end();
    if (!this.started && t.charCodeAt(0) === 0xfeff) t = t.slice(1);
    this.feed(t, true);
    const s = this.buf;
    if (this.stack.length && this.mode === Mode.Markup) this.fail(`unclosed tag: ${this.stack[this.stack.length - 1]}`, s.length);
    if (this.mode === Mode.Cdata) this.fail('unclosed CDATA section', s.length);
    if (this.mode === Mode.Comment) this.fail('unclosed comment', s.length);
    if (this.mode === Mode.Pi) this.fail('unclosed processing instruction', s.length);
    if (this.mode === Mode.Doctype) this.fail('unclosed DOCTYPE', s.length);
    if (s.trim() !== '') this.fail(s.charCodeAt(0) === LT ? 'unclosed tag at the end of the input' : 'text outside the root element', s.length);
    if (this.stack.length) this.fail(`unclosed tag: ${this.stack[this.stack.length - 1]}`, s.length);
  }

  private feed(text: string, final: boolean): void {
    const s = this.buf.length ? this.buf + text : text;
    this.buf = s;
    const i = this.scan(s, final);
    // Count the lines of what was consumed, keep the rest.
    let k = s.indexOf('\n');
    let last = -1;
    while (k !== -1 && k < i) {
      this.lineBase++;
      last = k;
      k = s.indexOf('\n', k + 1);
    }
    this.colBase = last === -1 ? this.colBase + i : i - last - 1;
    this.buf = i === s.length ? '' : s.slice(i);
    if (this.buf.length > TOKEN_CAP) this.fail(`a single tag or DOCTYPE is longer than ${TOKEN_CAP / 1024 / 1024} MiB`, 0);
  }

  /** Consumes whole tokens of `s`; returns where the unfinished rest starts. */
  private scan(s: string, final: boolean): number {
    const n = s.length;
    let i = 0;
    this.ampAt = this.nlAt = this.tabAt = this.crAt = 0;
    this.ltAt = -1;
    for (;;) {
      if (this.mode !== Mode.Markup) {
        i = this.inSection(s, i, final);
        if ((this.mode as Mode) !== Mode.Markup) return i;
      }
      if (i >= n) return i;
      // The next `<`: startTag has often found it already (the one after the tag it read).
      const lt = this.ltAt >= i ? this.ltAt : s.indexOf('<', i);
      if (lt === -1) return this.textRun(s, i, n, !final);
      // Text between tags matters only outside the root (it must be blank) and in a body being read.
      if (lt > i && (this.capturing || !this.stack.length)) this.textRun(s, i, lt, false);
      i = lt;
      if (i + 1 >= n) return i;
      const c = s.charCodeAt(i + 1);
      if (c === SLASH) {
        const gt = s.indexOf('>', i + 2);
        if (gt === -1) return i;
        this.endTag(s, i, gt);
        i = gt + 1;
      } else if (c === BANG) {
        if (s.startsWith('<!--', i)) {
          this.mode = Mode.Comment;
          this.comment = '';
          i += 4;
        } else if (s.startsWith('<![CDATA[', i)) {
          if (!this.stack.length) this.fail('CDATA outside the root element', i);
          this.mode = Mode.Cdata;
          i += 9;
        } else if (s.startsWith('<!DOCTYPE', i)) {
          if (this.rootSeen) this.fail('DOCTYPE after the root element', i);
          this.mode = Mode.Doctype;
          this.doctypeText = '';
          i += 9;
        } else if (n - i < 9 && !final) {
          return i;
        } else this.fail('unexpected <! markup', i);
      } else if (c === QMARK) {
        this.mode = Mode.Pi;
        i += 2;
      } else {
        const e = this.startTag(s, i, final);
        if (e === -1) return i;
        i = e;
      }
    }
  }

  /** Inside a comment, CDATA, PI or DOCTYPE that may span chunks: consume up to its end or as far as is safe. */
  private inSection(s: string, i: number, final: boolean): number {
    const n = s.length;
    if (this.mode === Mode.Doctype) return this.inDoctype(s, i);
    const close = this.mode === Mode.Cdata ? ']]>' : this.mode === Mode.Comment ? '-->' : '?>';
    const e = s.indexOf(close, i);
    // Without the end, keep the last characters (they may start the closing sequence).
    let upto = e === -1 ? (final ? n : Math.max(i, n - (close.length - 1))) : e;
    // A \r whose \n may come in the next chunk waits for it (end-of-line handling).
    if (e === -1 && !final && upto > i && s.charCodeAt(upto - 1) === 13) upto--;
    if (this.mode === Mode.Cdata) {
      if (this.capturing && upto > i) this.handler.text(normalizeText(s.slice(i, upto)));
    } else if (this.mode === Mode.Comment) {
      if (this.comment.length <= COMMENT_KEEP) this.comment += s.slice(i, Math.min(upto, i + COMMENT_KEEP + 1));
    }
    if (e === -1) return upto;
    if (this.mode === Mode.Comment) {
      this.at = e;
      if (this.comment.length <= COMMENT_KEEP) this.handler.comment(this.comment, this.stack.length);
      this.comment = '';
    }
    this.mode = Mode.Markup;
    return e + close.length;
  }

  private inDoctype(s: string, i: number): number {
    const n = s.length;
    const d = this.doctypeText + s.slice(i, Math.min(n, i + DOCTYPE_CAP + 1 - this.doctypeText.length));
    // An internal subset `[ ... ]` comes before the closing `>`.
    const gt0 = d.indexOf('>');
    const br = d.indexOf('[');
    let end = -1;
    if (br !== -1 && (gt0 === -1 || br < gt0)) {
      const m = /\]\s*>/.exec(d.slice(br));
      if (m) end = br + m.index + m[0].length - 1;
    } else end = gt0;
    if (end === -1) {
      if (d.length > DOCTYPE_CAP) this.fail('a DOCTYPE longer than 1 MiB', i);
      this.doctypeText = d;
      return n;
    }
    const consumed = end + 1 - this.doctypeText.length;
    this.doctypeText = '';
    this.mode = Mode.Markup;
    this.at = i + consumed - 1;
    this.handler.doctype(d.slice(0, end));
    return i + consumed;
  }

  /** Character data between markup; `open` when no `<` follows in this chunk yet. */
  private textRun(s: string, i: number, e: number, open: boolean): number {
    if (!this.stack.length) {
      for (let k = i; k < e; k++) if (!isSpace(s.charCodeAt(k))) this.fail('text outside the root element', k);
      return e;
    }
    if (!this.capturing) return e;
    let upto = e;
    if (open) {
      // Do not cut an entity: keep a trailing `&...` without its `;` for the next chunk.
      // (An & with no `;` within an entity's length is an error decode reports now.)
      const amp = s.lastIndexOf('&', e - 1);
      if (amp >= i && e - amp <= 12 && s.indexOf(';', amp) === -1) upto = amp;
      // Nor a \r whose \n comes next.
      if (upto > i && s.charCodeAt(upto - 1) === 13) upto--;
    }
    if (upto > i) this.handler.text(normalizeText(this.decode(s.slice(i, upto), i)));
    return upto;
  }

  private endTag(s: string, i: number, gt: number): void {
    const top = this.stack[this.stack.length - 1];
    let ok = top !== undefined && s.startsWith(top, i + 2);
    if (ok) {
      for (let j = i + 2 + top!.length; j < gt; j++) {
        if (!isSpace(s.charCodeAt(j))) {
          ok = false;
          break;
        }
      }
    }
    if (!ok || top === undefined) {
      const nm = s.slice(i + 2, gt).trim();
      this.fail(top === undefined ? `unexpected close tag </${nm}>` : `unexpected close tag </${nm}>: <${top}> is open`, i);
    }
    this.stack.pop();
    this.at = gt;
    if (!this.stack.length) this.rootClosed = true;
    this.handler.close(top);
  }

  /** A start tag at `i`; returns the index after it, or -1 when it is not complete yet. */
  private startTag(s: string, i: number, final: boolean): number {
    const n = s.length;
    let k = i + 1;
    // A JUnit element name is compared in place and handed on as its constant (internalized)
    // string, which makes every later comparison and lookup of it cheap; any other is copied.
    let name = knownTagAt(s, k);
    if (name !== null) k += name.length;
    else {
      if (!startsName(s.charCodeAt(k))) this.fail('disallowed character in a tag name', k);
      while (k < n && !endsName(s.charCodeAt(k))) k++;
      if (k >= n) return final ? this.fail('unclosed tag at the end of the input', n) : -1;
      name = s.slice(i + 1, k);
    }
    const attrs = this.keep.has(name) ? new Attrs() : null;
    // The first `<` after the name: an attribute value must end before it.
    const lt = s.indexOf('<', k);
    this.ltAt = lt;
    // Attributes: name = "value" pairs up to `>` or `/>`.
    let selfClosing = false;
    for (;;) {
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) return final ? this.fail('unclosed tag at the end of the input', n) : -1;
      const c = s.charCodeAt(k);
      if (c === GT) {
        k++;
        break;
      }
      if (c === SLASH) {
        if (k + 1 >= n) return final ? this.fail('unclosed tag at the end of the input', n) : -1;
        if (s.charCodeAt(k + 1) !== GT) this.fail('expected /> to close the tag', k);
        selfClosing = true;
        k += 2;
        break;
      }
      const a = k;
      // A known name is compared in place; any other is read char by char.
      let key = knownAttrAt(s, a);
      if (key !== null) k += key.length;
      else {
        while (k < n && !endsName(s.charCodeAt(k)) && s.charCodeAt(k) !== EQ) k++;
        if (k === a) this.fail('disallowed character in an attribute name', k);
        if (attrs) key = s.slice(a, k);
      }
      const an = k;
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) return final ? this.fail('unclosed tag at the end of the input', n) : -1;
      if (s.charCodeAt(k) !== EQ) this.fail(`attribute ${s.slice(a, an)} without a value`, k);
      k++;
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) return final ? this.fail('unclosed tag at the end of the input', n) : -1;
      const q = s.charCodeAt(k);
      if (q !== DQ && q !== SQ) this.fail('attribute values must be quoted', k);
      const v = k + 1;
      const ve = s.indexOf(q === DQ ? '"' : "'", v);
      if (ve === -1) return final ? this.fail('unclosed attribute value at the end of the input', n) : -1;
      if (lt !== -1 && lt < ve) this.fail('< in an attribute value', lt);
      k = ve + 1;
      if (k < n && !endsName(s.charCodeAt(k))) this.fail('no space between attributes', k);
      if (attrs) {
        const raw = s.slice(v, ve);
        // Decoding is needed for an entity, or a tab or line break to normalize. The next position of
        // each in `s` is remembered (a native indexOf per occurrence, not a JS loop per character).
        let amp = this.ampAt;
        if (amp !== -1 && amp < v) amp = this.ampAt = s.indexOf('&', v);
        let nl = this.nlAt;
        if (nl !== -1 && nl < v) nl = this.nlAt = s.indexOf('\n', v);
        let tab = this.tabAt;
        if (tab !== -1 && tab < v) tab = this.tabAt = s.indexOf('\t', v);
        let cr = this.crAt;
        if (cr !== -1 && cr < v) cr = this.crAt = s.indexOf('\r', v);
        const ws = (nl !== -1 && nl < ve) || (tab !== -1 && tab < ve) || (cr !== -1 && cr < ve);
        const value = ws || (amp !== -1 && amp < ve) ? this.decode(raw, v, ws) : raw;
        if (!attrs.set(key!, value)) this.fail(`duplicate attribute ${key}`, a);
      }
    }
    if (this.rootClosed) this.fail('a second root element', i);
    this.rootSeen = true;
    this.stack.push(name);
    this.at = k - 1;
    this.handler.open(name, attrs);
    if (selfClosing) {
      this.stack.pop();
      if (!this.stack.length) this.rootClosed = true;
      this.handler.close(name);
    }
    return k;
  }

  /**
   * Decodes the predefined entities and character references of `raw` (which starts at `pos` in the
   * buffer); `attrWs`: literal tabs and newlines become spaces (attribute-value normalization, XML
   * 1.0 §3.3.3; references are decoded after, so `&#10;` stays a newline).
   */
  private decode(raw: string, pos: number, attrWs = false): string {
    // Literal whitespace is normalized before references are decoded (§3.3.3: `&#10;` stays a newline).
    if (attrWs) return this.decode(raw.replace(/\r\n|[\t\n\r]/g, ' '), pos);
    let amp = raw.indexOf('&');
    if (amp === -1) return raw;
    let out = '';
    let k = 0;
    while (amp !== -1) {
      const semi = raw.indexOf(';', amp + 1);
      if (semi === -1 || semi - amp > 12) this.fail('an & that starts no entity (write &amp;)', pos + amp);
      out += raw.slice(k, amp) + (predefined(raw, amp, semi) ?? this.entity(raw.slice(amp + 1, semi), pos + amp));
      k = semi + 1;
      amp = raw.indexOf('&', k);
    }
    return out + raw.slice(k);
  }

  private entity(ent: string, pos: number): string {
    if (ent.charCodeAt(0) !== 35 /* # */) this.fail(`undefined entity &${ent}; (only &lt; &gt; &amp; &quot; &apos; and &#N; are XML's own)`, pos);
    let num = NaN;
    if (/^#x[0-9a-fA-F]+$/.test(ent)) num = parseInt(ent.slice(2), 16);
    else if (/^#[0-9]+$/.test(ent)) num = parseInt(ent.slice(1), 10);
    if (!isXmlChar(num)) this.fail(`malformed character reference &${ent};`, pos);
    return String.fromCodePoint(num);
  }
}

/** XML end-of-line handling (§2.11): \r\n and a lone \r read as \n. */
function normalizeText(t: string): string {
  return t.indexOf('\r') === -1 ? t : t.replace(/\r\n?/g, '\n');
}
