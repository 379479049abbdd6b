// Per-interval metric samples of one track (baseline or canary) read from a file:
//   JSON  {"<metric>": [[time, value], ...]}  (Prometheus' own [time, "value"] pairs fit),
//         or [{"time": ..., "metric": ..., "value": ...}, ...]
//   CSV   long:  time,metric,value        wide:  time,<metric>,<metric>...
// A time is Unix seconds (Prometheus' unit) or an ISO 8601 date. Errors name the JSON pointer or
// the file:line.
import { CiError } from '../../../core/errors.js';

export interface Sample {
  /** Milliseconds since the epoch. */
  t: number;
  v: number;
}
/** Samples per metric name, each sorted by time. */
export type Track = Map<string, Sample[]>;

export function parseSamples(text: string, file: string): Track {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  const out = trimmed.startsWith('{') || trimmed.startsWith('[') ? fromJson(trimmed, file) : fromCsv(trimmed, file);
  if (!out.size) throw new CiError('E_INPUT_UNREADABLE', 'no samples in the file', { where: file, hint: 'see `ci-intel canary judge --help` for the formats' });
  for (const list of out.values()) list.sort((a, b) => a.t - b.t);
  return out;
}

function timeOf(x: unknown): number | null {
  if (typeof x === 'number' && Number.isFinite(x)) return Math.round(x * 1000);
  if (typeof x === 'string' && x.trim()) {
    if (/^\d+(\.\d+)?$/.test(x.trim())) return Math.round(Number(x) * 1000);
    const t = Date.parse(x);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}
const valueOf = (x: unknown): number | null => {
  const n = typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN;
  return Number.isFinite(n) ? n : null;
};

function add(out: Track, metric: string, t: number | null, v: number | null, where: string) {
  if (t === null) throw new CiError('E_INPUT_UNREADABLE', 'the time is neither Unix seconds nor an ISO 8601 date', { where });
  if (v === null) throw new CiError('E_INPUT_UNREADABLE', 'the value is not a finite number', { where });
  const list = out.get(metric) ?? [];
  list.push({ t, v });
  out.set(metric, list);
}

function fromJson(text: string, file: string): Track {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `not valid JSON: ${(e as Error).message}`, { where: file });
  }
  const out: Track = new Map();
  if (Array.isArray(doc)) {
    doc.forEach((row: unknown, i) => {
      const r = (row ?? {}) as Record<string, unknown>;
      if (typeof r.metric !== 'string' || !r.metric) throw new CiError('E_INPUT_UNREADABLE', 'a sample needs a "metric" name', { where: `${file}#/${i}` });
      add(out, r.metric, timeOf(r.time ?? r.t), valueOf(r.value ?? r.v), `${file}#/${i}`);
    });
    return out;
  }
  for (const [metric, list] of Object.entries(doc as Record<string, unknown>)) {
    const ptr = `${file}#/${metric.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!Array.isArray(list)) throw new CiError('E_INPUT_UNREADABLE', 'expected a list of [time, value] pairs', { where: ptr });
    list.forEach((p: unknown, i) => {
      const pair = Array.isArray(p) ? p : [(p as Record<string, unknown> | null)?.time, (p as Record<string, unknown> | null)?.value];
      add(out, metric, timeOf(pair[0]), valueOf(pair[1]), `${ptr}/${i}`);
    });
  }
  return out;
}

function fromCsv(text: string, file: string): Track {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const tcol = header.findIndex((h) => /^(time|timestamp|t)$/i.test(h));
  if (tcol < 0 || header.length < 2)
    throw new CiError('E_INPUT_UNREADABLE', 'the CSV header needs a time column and metric columns', {
      where: `${file}:1`,
      hint: 'write "time,metric,value" (one sample a line) or "time,<metric>,<metric>..."',
    });
  const mcol = header.indexOf('metric');
  const vcol = header.indexOf('value');
  const out: Track = new Map();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    const where = `${file}:${i + 1}`;
    if (cells.length !== header.length) throw new CiError('E_INPUT_UNREADABLE', `expected ${header.length} cells, found ${cells.length}`, { where });
    const t = timeOf(cells[tcol]);
    if (mcol >= 0 && vcol >= 0) add(out, cells[mcol]!, t, valueOf(cells[vcol]), where);
    else header.forEach((h, c) => c !== tcol && cells[c] !== '' && add(out, h, t, valueOf(cells[c]), where));
  }
  return out;
}
