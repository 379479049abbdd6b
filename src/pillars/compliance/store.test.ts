// policy_violations across commits, on PGlite and PostgreSQL: first/last seen, fixed in, reopened.
import { expect, it } from 'vitest';
import { describeEachStore } from '../../../test/support/stores.js';
import { compliancePillar } from './index.js';
import type { Finding } from './model.js';
import { listViolations, recordViolations } from './store.js';
import type { ComplianceTables } from './tables.js';

const f = (rule: string, file: string, line: number, message: string): Finding => ({ rule, severity: 'error', file, line, message, fix: 'x' });
const pin = f('unpinned-action', '.github/workflows/ci.yml', 12, 'action actions/checkout is pinned to "v4"');
const inj = f('template-injection', '.github/workflows/triage.yml', 20, 'github.event.issue.title is expanded');
const leak = f('gitlab-plaintext-secret', '.gitlab-ci.yml', 9, 'API_TOKEN glpat-abcdefghijklmnopqrstuv is written in plain text');

describeEachStore(
  'policy_violations',
  (getHub) => {
    it('opens, touches, fixes and reopens violations by identity, not by line; redacts messages', async () => {
      const hub = getHub();
      const db = hub.db.withTables<ComplianceTables>();
      const t = (d: number) => new Date(Date.UTC(2026, 2, d, 12));
      expect(await recordViolations(db, hub.redactor, { repo: 'Acme/App', commit: 'c1', at: t(1), findings: [pin, inj, leak] })).toEqual({
        opened: 3,
        seen: 0,
        fixed: 0,
      });
      // c2: the pin moved down two lines (same violation), the injection is fixed
      expect(await recordViolations(db, hub.redactor, { repo: 'acme/app', commit: 'c2', at: t(2), findings: [{ ...pin, line: 14 }, leak] })).toEqual({
        opened: 0,
        seen: 2,
        fixed: 1,
      });
      let rows = await listViolations(db, 'acme/app');
      const byRule = new Map(rows.map((r) => [r.rule, r]));
      expect(byRule.get('unpinned-action')).toMatchObject({ line: 14, first_seen_commit: 'c1', last_seen_commit: 'c2', fixed_in: null });
      expect(byRule.get('template-injection')).toMatchObject({ first_seen_commit: 'c1', last_seen_commit: 'c1', fixed_in: 'c2' });
      expect(new Date(byRule.get('template-injection')!.fixed_at!).toISOString()).toBe(t(2).toISOString());
      expect(byRule.get('gitlab-plaintext-secret')!.message).not.toContain('glpat-abcdefghijklmnopqrstuv');
      expect((await listViolations(db, 'acme/app', { open: true })).map((r) => r.rule).sort()).toEqual(['gitlab-plaintext-secret', 'unpinned-action']);
      // c3: the injection comes back — reopened, first seen kept
      await recordViolations(db, hub.redactor, { repo: 'acme/app', commit: 'c3', at: t(3), findings: [pin, inj, leak] });
      rows = await listViolations(db, 'acme/app', { open: true });
      expect(rows.find((r) => r.rule === 'template-injection')).toMatchObject({ first_seen_commit: 'c1', last_seen_commit: 'c3', fixed_in: null });
      // another repository is untouched
      expect(await listViolations(db, 'acme/other')).toEqual([]);
    });
  },
  { pillars: [compliancePillar] },
);
