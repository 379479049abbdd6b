// A custom PII pattern (`redact.pii[N].regex`) runs on every text the hub stores, so a pattern with
// a super-linear shape (`(a+)+$`, `(x|x)*y`) would let one crafted line stall ingest. The operator's
// patterns therefore run on RE2 (re2js, the linear-time engine the autopsy pillar runs user rule
// packs on) behind the RegExp interface the redactor uses: `exec` is what `test`, `replace` and
// `matchAll` call on a RegExp subclass, so the redactor needs no second code path.
import { RE2JS } from 're2js';

export class LinearRegExp extends RegExp {
  readonly #re2: RE2JS;
  readonly #names: Record<string, number>;

  /** Throws when the source is not valid in both dialects (JavaScript's, for the interface; RE2's, to run). */
  constructor(source: string) {
    super(source, 'g');
    this.#re2 = RE2JS.compile(source);
    this.#names = this.#re2.namedGroups();
  }

  override exec(text: string): RegExpExecArray | null {
    const from = this.lastIndex;
    const m = this.#re2.matcher(text);
    if (from > text.length || !m.find(from)) {
      this.lastIndex = 0;
      return null;
    }
    const out = [m.group() ?? ''] as unknown as RegExpExecArray;
    for (let i = 1; i <= m.groupCount(); i++) out.push(m.group(i) ?? (undefined as unknown as string));
    out.index = m.start();
    out.input = text;
    const names = Object.entries(this.#names);
    out.groups = names.length ? Object.fromEntries(names.map(([n, i]) => [n, out[i]])) : undefined;
    this.lastIndex = m.end();
    return out;
  }
}
