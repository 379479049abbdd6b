// The part the non-JUnit XML readers (TRX, NUnit, xUnit.net) share: the root check, the DOCTYPE
// refusal, and the text of the few elements they read (messages, stack traces, skip reasons),
// checked for the control characters XML forbids.
import { MESSAGE_CAP } from './assemble.js';
import { checkChars, refuseDoctype, wrongRoot, type XmlReader } from './xml-drive.js';
import type { Attrs } from './xml-scan.js';

export abstract class XmlReportReader implements XmlReader {
  private rootSeen = false;
  private capture: { el: string; text: string } | null = null;

  constructor(
    protected readonly where: () => string,
    /** Root element names this format has, and how they are named in the wrong-root error. */
    private readonly roots: ReadonlySet<string>,
    private readonly rootsText: string,
    /** Elements whose text the reader wants. */
    private readonly texts: ReadonlySet<string>,
  ) {}

  get capturing(): boolean {
    return this.capture !== null;
  }

  doctype(d: string): void {
    refuseDoctype(d, this.where());
  }

  text(t: string): void {
    const c = this.capture!;
    checkChars(t, this.where());
    if (c.text.length <= MESSAGE_CAP) c.text += t;
  }

  open(name: string, attrs: Attrs | null): void {
    if (!this.rootSeen) {
      this.rootSeen = true;
      if (!this.roots.has(name)) throw wrongRoot(name, this.rootsText, this.where());
    }
    if (this.texts.has(name) && !this.capture) this.capture = { el: name, text: '' };
    this.start(name, attrs);
  }

  close(name: string): void {
    let text: string | null = null;
    if (this.capture?.el === name) {
      text = this.capture.text;
      this.capture = null;
    }
    this.end(name, text);
  }

  finish(name: string): void {
    if (!this.rootSeen) throw wrongRoot('(none)', this.rootsText, name);
    this.done();
  }

  /** A kept element opens (attrs of every element in the reader's keep set). */
  protected abstract start(name: string, a: Attrs | null): void;
  /** An element closes; `text` is its text when it is one of `texts`. */
  protected abstract end(name: string, text: string | null): void;
  protected abstract done(): void;
}

/** `<prefix>.<rest>` → `rest` when a name repeats its class (TRX, NUnit 2 and xUnit.net full names). */
export function shortName(full: string, cls: string | null): string {
  return cls && full.startsWith(cls + '.') && full.length > cls.length + 1 ? full.slice(cls.length + 1) : full;
}

/** `Ns.Class.Method(args)` → `Ns.Class`: the part before the last `.` outside the argument list. */
export function classOf(full: string): string | null {
  const paren = full.indexOf('(');
  const head = paren === -1 ? full : full.slice(0, paren);
  const dot = head.lastIndexOf('.');
  return dot > 0 ? head.slice(0, dot) : null;
}
