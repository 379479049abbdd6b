// Reading an input file whole (SBOMs, reports and VEX documents are small next to logs): core's reader, and a JSON object.
import { CiError } from '../../core/errors.js';

export { readInputText } from '../../core/input.js';

/** A JSON document that must be an object; `fail` makes the input's own error (file or file# named). */
export function parseJsonObject(text: string, file: string, what: string, fail: (message: string, where: string) => CiError): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(`not valid JSON: ${(e as Error).message}`, file);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail(`${what} must be a JSON object`, `${file}#`);
  return doc as Record<string, unknown>;
}
