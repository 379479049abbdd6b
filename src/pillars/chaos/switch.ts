// The kill switch: the hub's flag (chaos_switch_log, flipped by an admin, audited) and the
// environment's CI_INTEL_CHAOS=off, asked before each trial and while an injected attempt runs.
import { hubCall } from '../../core/hub-api.js';
import type { HubTarget } from '../../core/upload.js';
import type { ChaosDb } from './tables.js';

/** `CI_INTEL_CHAOS=off` (or 0, false, no) turns every injection off. */
export const chaosSwitchedOff = (env: NodeJS.ProcessEnv) => /^(off|0|false|no|disabled?)$/i.test((env.CI_INTEL_CHAOS ?? '').trim());

export interface SwitchState {
  enabled: boolean;
  /** The flips, newest first (at most 20). */
  history: { enabled: boolean; by: string; reason: string; at: string }[];
}

export async function readSwitch(db: ChaosDb): Promise<SwitchState> {
  const rows = await db.selectFrom('chaos_switch_log').select(['enabled', 'by', 'reason', 'at']).orderBy('id', 'desc').limit(20).execute();
  return { enabled: rows[0]?.enabled ?? true, history: rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })) };
}

export async function flipSwitch(db: ChaosDb, f: { enabled: boolean; by: string; reason: string; tokenId: string | null; at: Date }): Promise<SwitchState> {
  await db.insertInto('chaos_switch_log').values({ enabled: f.enabled, by: f.by, reason: f.reason, token_id: f.tokenId, at: f.at }).execute();
  return readSwitch(db);
}

/**
 * The question the runner asks (`stillOn`): false when the environment says off or the hub's
 * switch is off. A hub that cannot be asked counts as off: a kill switch must not fail open.
 */
export function switchProbe(env: NodeJS.ProcessEnv, hub: HubTarget | null, say: (s: string) => void): () => Promise<boolean> {
  return async () => {
    if (chaosSwitchedOff(env)) return false;
    if (!hub) return true;
    try {
      return (await hubCall<SwitchState>(hub, '/api/v1/chaos/switch', { timeoutMs: 10_000 })).enabled;
    } catch (e) {
      say(`cannot ask the hub's kill switch (${(e as Error).message}): no faults from here on`);
      return false;
    }
  };
}
