// Stores uploaded findings (counts per level and rule) for a run; one row per (run, category, tool),
// so uploading the same tool's report again replaces it.
import type { Redactor } from '../../core/redact/index.js';
import type { MetricsDb } from './dora-store.js';
import { defaultCategory, type FindingCategory, type FindingSummary } from './findings.js';

export interface StoredFinding {
  category: FindingCategory;
  tool: string;
  format: string;
  errors: number;
  warnings: number;
  notes: number;
}

export async function storeFindings(
  db: MetricsDb,
  redactor: Redactor,
  runId: string,
  summaries: FindingSummary[],
  category: FindingCategory | null,
  now: Date,
): Promise<StoredFinding[]> {
  const out: StoredFinding[] = [];
  // Several SARIF runs of one tool in one file add up.
  const merged = new Map<string, FindingSummary & { category: FindingCategory }>();
  for (const s of summaries) {
    const cat = category ?? defaultCategory(s.tool);
    const tool = redactor.apply(s.tool).slice(0, 200);
    const k = `${cat}\u0000${tool}`;
    const m = merged.get(k);
    if (m) {
      m.errors += s.errors;
      m.warnings += s.warnings;
      m.notes += s.notes;
      m.rules = [...m.rules, ...s.rules];
    } else merged.set(k, { ...s, tool, category: cat });
  }
  for (const s of merged.values()) {
    // Rule ids are text from the report: redacted like everything stored; the top 200 are kept.
    const rules = s.rules.slice(0, 200).map((r) => ({ ...r, rule_id: redactor.apply(r.rule_id).slice(0, 300) }));
    const row = {
      run_id: runId,
      category: s.category,
      tool: s.tool,
      format: s.format,
      errors: s.errors,
      warnings: s.warnings,
      notes: s.notes,
      rules: JSON.stringify(rules),
      uploaded_at: now,
    };
    await db
      .insertInto('metrics_findings')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['run_id', 'category', 'tool'])
          .doUpdateSet({ format: row.format, errors: row.errors, warnings: row.warnings, notes: row.notes, rules: row.rules, uploaded_at: now }),
      )
      .execute();
    out.push({ category: s.category, tool: s.tool, format: s.format, errors: s.errors, warnings: s.warnings, notes: s.notes });
  }
  return out.sort((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : a.tool < b.tool ? -1 : 1));
}

export async function findingsOf(db: MetricsDb, runId: string) {
  const rows = await db.selectFrom('metrics_findings').selectAll().where('run_id', '=', runId).orderBy('category').orderBy('tool').execute();
  return rows.map((r) => ({ ...r, rules: JSON.parse(r.rules) as unknown[], uploaded_at: new Date(r.uploaded_at).toISOString() }));
}
