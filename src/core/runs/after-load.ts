// After a load is stored, the pillars' checks on it (data-quality: the contract tests and the
// configured gates). The records are stored whatever the checks say (durable before
// acknowledged); the answer says which checks broke and whether one of them was a `fail`.
import type { HubContext, LoadCheck, LoadInfo, Pillar } from '../registry.js';

export interface LoadQuality {
  /** fail: a `fail` check broke; warn: only `warn` checks broke; pass: none broke. */
  status: 'pass' | 'warn' | 'fail';
  checked: number;
  /** The checks that broke, sorted by severity (fail first), check, target. */
  breaches: LoadCheck[];
}

export async function checkLoad(ctx: HubContext, pillars: Pillar[], load: LoadInfo): Promise<LoadQuality> {
  const all: LoadCheck[] = [];
  for (const p of pillars) if (p.afterLoad) all.push(...(await p.afterLoad(ctx, load)));
  const breaches = all
    .filter((c) => !c.passed)
    .sort((a, b) => (a.severity !== b.severity ? (a.severity === 'fail' ? -1 : 1) : a.check.localeCompare(b.check) || a.target.localeCompare(b.target)));
  const status = breaches.some((b) => b.severity === 'fail') ? 'fail' : breaches.length ? 'warn' : 'pass';
  return { status, checked: all.length, breaches };
}
