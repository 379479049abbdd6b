// Everything checked after a load: the contract tests on the load's runs and the configured gates
// (gates.ts), stored per load (store.ts).
import type { HubContext, LoadCheck, LoadInfo } from '../../core/registry.js';
import { dataQualityConfig } from './config.js';
import { contractTests } from './contract-tests.js';
import { runGates } from './gates.js';
import { storeResults } from './store.js';
import { dqdb } from './tables.js';

export async function checkAfterLoad(ctx: HubContext, load: LoadInfo): Promise<LoadCheck[]> {
  const db = dqdb(ctx);
  const cfg = dataQualityConfig(ctx.config);
  const now = ctx.now();
  const checks = [...(await contractTests(db, cfg.contractTests, load.run_ids)), ...(await runGates(db, cfg.gates, now))];
  await storeResults(db, load.load_id, checks, now);
  return checks;
}
