// Reading a file the user named: one error for a path that cannot be read (what the system said, where
// it was given, what to check), and JSON lines with the failing line named.
import { readFileSync } from 'node:fs';
import { CiError } from './errors.js';

/** Why a file could not be read, as the user's error: `where` is the file or the option that named it. */
export function unreadable(file: string, e: unknown, where = file, hint = 'check the path and permissions'): CiError {
  return new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where, hint });
}

/** The whole file as UTF-8 text. */
export function readInputText(file: string, where = file): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadable(file, e, where);
  }
}

/** The whole file as bytes. */
export function readInputBytes(file: string, where = file): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw unreadable(file, e, where);
  }
}

export interface JsonLine {
  value: unknown;
  /** `file:line`, for errors about this value. */
  where: string;
}

/** The JSON values of a JSON-lines file (blank lines skipped); a line that is not JSON is named with `hint`. */
export function readJsonLines(file: string, hint: string): JsonLine[] {
  const out: JsonLine[] = [];
  readInputText(file)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const where = `${file}:${i + 1}`;
      try {
        out.push({ value: JSON.parse(line), where });
      } catch {
        throw new CiError('E_JSON_MALFORMED', 'not a JSON line', { where, hint });
      }
    });
  return out;
}
