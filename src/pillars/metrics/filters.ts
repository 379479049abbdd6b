// The dashboard's filters (issue 8: repo, branch, environment, window; workflow for pipelines) and
// the SQL fragments they become. Windows are 1, 7, 30 or 90 days ending at the clock's now.
import { sql, type RawBuilder } from 'kysely';
import { CiError } from '../../core/errors.js';

export const WINDOWS = [1, 7, 30, 90] as const;
export type WindowDays = (typeof WINDOWS)[number];

export interface Filters {
  repo?: string;
  branch?: string;
  /** An environment name, or `production` meaning every configured production name. */
  environment?: string;
  workflow?: string;
  window: WindowDays;
  /** Token restriction: PostgreSQL regular expressions over repo (null = every repo). */
  repoRegexes: string[] | null;
}

export interface Window {
  since: Date;
  until: Date;
  days: number;
}

export const DAY_MS = 86_400_000;

/**
 * A window of N days is the N whole UTC days before today plus today so far: it starts at a UTC
 * midnight so that daily rollups answer it exactly, and covers at least N × 24 hours.
 */
export function windowOf(f: Pick<Filters, 'window'>, now: Date): Window {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = new Date(today - f.window * DAY_MS);
  return { since, until: now, days: (now.getTime() - since.getTime()) / DAY_MS };
}

export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export function parseWindow(v: unknown): WindowDays {
  if (v === undefined || v === null || v === '') return 30;
  const n = Number(String(v).replace(/d$/, ''));
  if (!(WINDOWS as readonly number[]).includes(n)) {
    throw new CiError('E_USAGE', `window ${JSON.stringify(String(v))} is not one of ${WINDOWS.join(', ')} (days)`, {
      where: 'window',
      hint: 'use window=1, 7, 30 or 90',
    });
  }
  return n as WindowDays;
}

/** `repo ~ re1 or repo ~ re2` for a token's patterns, or true. `col` is a trusted column name. */
export function repoAccess(col: string, regexes: string[] | null): RawBuilder<boolean> {
  if (!regexes) return sql<boolean>`true`;
  if (regexes.length === 0) return sql<boolean>`false`;
  return sql<boolean>`(${sql.join(
    regexes.map((re) => sql`${sql.raw(col)} ~ ${re}`),
    sql` or `,
  )})`;
}

/** Environment names a filter stands for: `production` (or `prod`) = the configured production set. */
export function environmentsOf(env: string | undefined, production: string[]): string[] | null {
  if (!env) return null;
  const e = env.toLowerCase();
  return production.includes(e) || e === 'production' ? production : [e];
}

export const and = (parts: RawBuilder<boolean>[]) => (parts.length ? sql<boolean>`(${sql.join(parts, sql` and `)})` : sql<boolean>`true`);
