// Quarantine asked for by a person (a `/ci-intel quarantine TEST` comment, acted on by the sources
// pillar after checking write access): the test is found by its id, else by a unique name, and
// quarantined like an automatic entry (source `chatops`, the same expiry), naming who asked.
import { sectionOf } from '../../core/config.js';
import { QUARANTINE_REQUESTED, type Subscription } from '../../core/bus/index.js';
import type { HubContext } from '../../core/registry.js';
import { testsConfigSection } from './config.js';
import { ownerOf, parseCodeowners } from './quarantine.js';
import { tdb } from './tables.js';

export function quarantineRequests(ctx: HubContext): Subscription {
  return {
    consumer: 'tests.quarantine-requests',
    types: [QUARANTINE_REQUESTED],
    async handle(event) {
      const repo = event.repo;
      const wanted = event.object_key?.trim();
      if (!repo || !wanted) return;
      const db = tdb(ctx);
      const byId = await db
        .selectFrom('tests_ids')
        .select(['test_key', 'test_id', 'file', 'classname'])
        .where('repo', '=', repo)
        .where('test_id', '=', wanted)
        .execute();
      const found = byId.length
        ? byId
        : await db
            .selectFrom('tests_ids')
            .select(['test_key', 'test_id', 'file', 'classname'])
            .where('repo', '=', repo)
            .where('name', '=', wanted)
            .limit(2)
            .execute();
      if (found.length !== 1) {
        ctx.log.warn(
          { repo, test: wanted },
          found.length ? 'quarantine request names several tests: give the test id' : 'quarantine request names no known test',
        );
        return;
      }
      const t = found[0]!;
      const owners = await db.selectFrom('tests_codeowners').select('content').where('repo', '=', repo).executeTakeFirst();
      const cfg = sectionOf(ctx.config, testsConfigSection);
      const now = ctx.now();
      await db
        .insertInto('tests_quarantine')
        .values({
          repo,
          test_key: t.test_key,
          test_id: t.test_id,
          owner: owners ? ownerOf({ id: t.test_id, file: t.file, classname: t.classname }, parseCodeowners(owners.content)) : null,
          reason: `quarantined by @${event.kind ?? 'someone'} from a comment`,
          source: 'chatops',
          quarantined_at: now,
          expires_at: new Date(now.getTime() + cfg.quarantine.expiryDays * 86_400_000),
          proof_runs: [],
          flaky_failures: 0,
          clean_runs: 0,
          released_at: null,
          release_reason: null,
        })
        .onConflict((oc) => oc.column('repo').column('test_key').where('released_at', 'is', null).doNothing())
        .execute();
    },
  };
}
