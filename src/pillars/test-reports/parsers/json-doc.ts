// Whole-document JSON reports (CTRF, mocha --reporter json, RSpec --format json): read, parsed, and a
// clear error when it is not JSON. These reports are one document per run, a fraction of the size of
// a JUnit firehose, so holding one is fine.
import { CiError } from '../../../core/errors.js';

export async function readJsonDoc(input: AsyncIterable<Buffer>, name: string, what: string): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of input) parts.push(c);
  try {
    return JSON.parse(
      Buffer.concat(parts)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } catch (e) {
    throw new CiError('E_REPORT_MALFORMED', `not valid JSON: ${(e as Error).message}`, { where: name, hint: `pass ${what}` });
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Strips terminal colours from messages (mocha's and RSpec's diffs are coloured). */
export const plain = (s: string | null): string | null => (s === null ? null : s.replace(/\x1b\[[0-9;]*m/g, ''));
