// Shared by the JSON report parsers: parse with a clear error naming file:line:column.
import { findJsonSyntaxError } from '../../../core/contract/json-syntax.js';
import { CiError } from '../../../core/errors.js';

/** JSON.parse, or E_MUTATION_REPORT_INVALID naming `name:line:column` and the reason. */
export function parseJson(text: string, name: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const e = findJsonSyntaxError(text);
    const at = e ? lineCol(text, e.offset) : null;
    throw new CiError('E_MUTATION_REPORT_INVALID', `${what} is not valid JSON${e ? `: ${e.reason}` : ''}`, {
      where: at ? `${name}:${at.line}:${at.column}` : name,
      hint: 'pass the report file the tool wrote, complete and unmodified',
    });
  }
}

export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

/** RFC 6901 escaping of one pointer segment. */
export const ptr = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
