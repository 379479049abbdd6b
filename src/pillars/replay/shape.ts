// Reading outside JSON with errors that point at the value: `file: /resource_changes/3/change/actions
// must be an array of strings`. Raw shapes stay in this pillar's parsers (DESIGN.md habits).
import { CiError } from '../../core/errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const esc = (k: string | number) => String(k).replace(/~/g, '~0').replace(/\//g, '~1');

/** A cursor over parsed JSON that knows its JSON pointer and file. */
export class At {
  constructor(
    readonly value: unknown,
    readonly file: string,
    readonly pointer = '',
  ) {}

  fail(what: string, hint = 'is this the right file? see the pillar README for the inputs it reads'): never {
    throw new CiError('E_REPLAY_INVALID', `${this.pointer || '/'} ${what}`, { where: this.file, hint });
  }
  get(key: string | number): At {
    const v = this.value as Record<string | number, unknown>;
    return new At(v?.[key], this.file, `${this.pointer}/${esc(key)}`);
  }
  has(key: string): boolean {
    return this.isObject() && (this.value as Record<string, unknown>)[key] !== undefined;
  }
  isObject(): boolean {
    return typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value);
  }
  object(): At {
    if (!this.isObject()) this.fail('must be an object');
    return this;
  }
  array(): At[] {
    if (!Array.isArray(this.value)) this.fail('must be an array');
    return (this.value as unknown[]).map((_, i) => this.get(i));
  }
  string(): string {
    if (typeof this.value !== 'string') this.fail('must be a string');
    return this.value as string;
  }
  optString(): string | undefined {
    return this.value === undefined || this.value === null ? undefined : this.string();
  }
  strings(): string[] {
    return this.array().map((a) => a.string());
  }
  entries(): Array<[string, At]> {
    this.object();
    return Object.keys(this.value as object)
      .sort()
      .map((k) => [k, this.get(k)]);
  }
}

/** Parses a JSON text; a syntax error names the file and line. */
export function parseJson(text: string, file: string): At {
  try {
    return new At(JSON.parse(text), file);
  } catch (e) {
    const pos = Number(/position (\d+)/.exec((e as Error).message)?.[1]);
    const line = Number.isFinite(pos) ? text.slice(0, pos).split('\n').length : undefined;
    throw new CiError('E_REPLAY_INVALID', `not valid JSON: ${(e as Error).message}`, {
      where: line ? `${file}:${line}` : file,
      hint: 'pass the JSON the tool wrote',
    });
  }
}

/** Parses JSON lines (terraform -json); a bad line names file:line. */
export function parseJsonLines(text: string, file: string): At[] {
  const out: At[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(new At(JSON.parse(line), `${file}:${i + 1}`));
    } catch (e) {
      throw new CiError('E_REPLAY_INVALID', `line is not JSON: ${(e as Error).message}`, {
        where: `${file}:${i + 1}`,
        hint: 'pass the output of terraform ... -json',
      });
    }
  });
  return out;
}
