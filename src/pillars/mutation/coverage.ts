// Line coverage per file from an lcov tracefile (`SF:` … `LF:`/`LH:` … `end_of_record`), for the
// resilience-vs-coverage scatter (seed 000 pillar 1 "Plot resilience vs coverage").
import path from 'node:path';
import { CiError } from '../../core/errors.js';
import { readInputText } from '../../core/input.js';
import { normalizePath } from './identity.js';

/** file → lines covered / lines found (0–1). Absolute paths under `root` become relative. */
export function parseLcov(text: string, where: string, root?: string): Map<string, number> {
  const out = new Map<string, number>();
  let file: string | null = null;
  let lf = 0;
  let lh = 0;
  let sawRecord = false;
  text.split(/\r?\n/).forEach((l) => {
    if (l.startsWith('SF:')) {
      let p = l.slice(3).trim();
      if (root && path.isAbsolute(p)) p = path.relative(root, p);
      file = normalizePath(p);
      lf = lh = 0;
    } else if (l.startsWith('LF:')) lf = Number(l.slice(3));
    else if (l.startsWith('LH:')) lh = Number(l.slice(3));
    else if (l.trim() === 'end_of_record') {
      sawRecord = true;
      if (file && lf > 0) out.set(file, lh / lf);
      file = null;
    }
  });
  if (!sawRecord) throw new CiError('E_INPUT_UNREADABLE', 'not an lcov tracefile (no end_of_record)', { where, hint: 'pass coverage/lcov.info' });
  return out;
}

export function readLcov(file: string, root?: string): Map<string, number> {
  return parseLcov(readInputText(file), file, root);
}
