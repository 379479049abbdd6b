// Collects the differences of one artifact: every one counted per class, the first few of each
// class kept as samples, so the report stays readable and memory stays flat on huge archives.
import type { DiffClass, Difference } from '../model.js';

export const SAMPLES_PER_CLASS = 20;

export class DiffCollector {
  readonly counts: Partial<Record<DiffClass, number>> = {};
  readonly samples: Difference[] = [];
  readonly notes: string[] = [];

  add(cls: DiffClass, where: string, detail: string): void {
    const n = (this.counts[cls] ?? 0) + 1;
    this.counts[cls] = n;
    if (n <= SAMPLES_PER_CLASS) this.samples.push({ class: cls, where, detail });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  get total(): number {
    return Object.values(this.counts).reduce((s, n) => s + (n ?? 0), 0);
  }
}

/** Shortens a value for a report line. */
export function clip(s: string, max = 120): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
