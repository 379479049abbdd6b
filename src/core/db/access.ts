// Repository visibility in SQL: the reads that list several repositories keep to the ones the
// caller may see (the patterns of repoRegexes in core/http, null = all).
import { sql, type RawBuilder } from 'kysely';

/** `col ~ re1 or col ~ re2 ...`; true without a restriction, false for an empty list. */
export function repoVisible(col: string, regexes: string[] | null): RawBuilder<boolean> {
  if (!regexes) return sql<boolean>`true`;
  if (regexes.length === 0) return sql<boolean>`false`;
  return sql<boolean>`(${sql.join(
    regexes.map((re) => sql`${sql.ref(col)} ~ ${re}`),
    sql` or `,
  )})`;
}

/** One repository (when given) or the visible ones. */
export function repoScope(col: string, repo: string | null, regexes: string[] | null): RawBuilder<boolean> {
  return repo ? sql<boolean>`${sql.ref(col)} = ${repo}` : repoVisible(col, regexes);
}
