// Feature flags for seed 004 §4.1's flag gauges, read from an Unleash export: the admin API's
// GET /api/admin/features answer or GET /api/admin/state/export ({"version": N, "features": [...]}).
// Per flag we keep the name, a state (stale wins over enabled/disabled: Unleash marks a flag stale
// when it has outlived its expected lifetime), its type and project, and createdAt (the age gauge).
import { CiError } from '../../core/errors.js';
import type { MetricsDb } from './dora-store.js';

export interface FeatureFlag {
  name: string;
  state: 'enabled' | 'disabled' | 'stale';
  flag_type: string | null;
  project: string | null;
  created_at: Date | null;
}

export function parseUnleashFeatures(text: string, file: string): FeatureFlag[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `not valid JSON: ${(e as Error).message}`, { where: file, hint: 'save the answer of GET /api/admin/features' });
  }
  const features = (doc as { features?: unknown } | null)?.features;
  if (!Array.isArray(features))
    throw new CiError('E_INPUT_UNREADABLE', 'no "features" list: this is not an Unleash features export', {
      where: `${file}#/features`,
      hint: 'save the answer of GET /api/admin/features (or /api/admin/state/export)',
    });
  const seen = new Set<string>();
  return features
    .map((f: unknown, i): FeatureFlag => {
      const o = (f ?? {}) as Record<string, unknown>;
      const where = `${file}#/features/${i}`;
      if (typeof o.name !== 'string' || !o.name) throw new CiError('E_INPUT_UNREADABLE', 'a feature needs a "name"', { where });
      if (typeof o.enabled !== 'boolean')
        throw new CiError('E_INPUT_UNREADABLE', `feature ${o.name}: "enabled" must be true or false`, { where: `${where}/enabled` });
      if (seen.has(o.name)) throw new CiError('E_INPUT_UNREADABLE', `feature ${o.name} is listed twice`, { where });
      seen.add(o.name);
      const created = typeof o.createdAt === 'string' ? new Date(o.createdAt) : null;
      if (created && !Number.isFinite(created.getTime()))
        throw new CiError('E_INPUT_UNREADABLE', `feature ${o.name}: createdAt is not a date`, { where: `${where}/createdAt` });
      return {
        name: o.name,
        state: o.stale === true ? 'stale' : o.enabled ? 'enabled' : 'disabled',
        flag_type: typeof o.type === 'string' ? o.type : null,
        project: typeof o.project === 'string' ? o.project : null,
        created_at: created,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Replaces the stored flags with an import (flags gone from Unleash leave the gauges). */
export async function importFlags(db: MetricsDb, flags: FeatureFlag[], at: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('metrics_feature_flags').execute();
    if (flags.length)
      await tx
        .insertInto('metrics_feature_flags')
        .values(flags.map((f) => ({ ...f, imported_at: at })))
        .execute();
    return flags.length;
  });
}
