// Acts on a recorded ChatOps command (bus event `chatops.command`): claims it (at most once, even
// with two hubs or a redelivered event: a deployment must not start twice), checks that the
// commenter has write access, does the job through the host's API, replies in the thread, and
// records the outcome in the audit row (sources_chatops).
import type { Kysely } from 'kysely';
import { sectionOf } from '../../../core/config.js';
import type { CoreTables } from '../../../core/db/schema.js';
import { BUDGET_OVERRIDE_REQUESTED, enqueue, QUARANTINE_REQUESTED, type BudgetOverrideRequest, type Subscription } from '../../../core/bus/index.js';
import { githubAuth, type GithubAuth } from '../../../core/github-app.js';
import type { HubContext } from '../../../core/registry.js';
import { chatopsConfigSection, type ChatopsConfig } from '../config.js';
import { CHAT_EVENT } from '../store.js';
import type { SourcesTables } from '../tables.js';
import { githubHost, gitlabHost, type ChatTarget, type CodeHost } from './hosts.js';
import type { ChatContext } from './map.js';
import { overrideArg, USAGE } from './parse.js';

type Db = Kysely<CoreTables & SourcesTables>;

export const CHATOPS_CONSUMER = 'sources.chatops';

export interface ChatopsOptions {
  fetchImpl?: typeof fetch;
}

interface Outcome {
  state: 'done' | 'refused' | 'invalid' | 'failed';
  text: string;
}

export function chatopsSubscription(ctx: HubContext, o: ChatopsOptions = {}): Subscription {
  const db = ctx.db as unknown as Db;
  let auth: GithubAuth | null | undefined;
  const hostFor = (provider: string): CodeHost | string => {
    const cfg = sectionOf(ctx.config, chatopsConfigSection);
    if (provider === 'github') {
      auth ??= githubAuth(ctx.config.github, { fetchImpl: o.fetchImpl });
      return auth
        ? githubHost(auth, cfg.githubDeployWorkflow, o.fetchImpl)
        : 'no GitHub credentials: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (GitHub App mode) or GITHUB_TOKEN';
    }
    const token = ctx.config.gitlab.token;
    return token
      ? gitlabHost({ url: ctx.config.gitlab.url, token }, cfg.gitlabDeployPipeline, o.fetchImpl)
      : 'no GitLab credentials: set GITLAB_TOKEN (a project or group access token with the api scope)';
  };
  return {
    consumer: CHATOPS_CONSUMER,
    types: [CHAT_EVENT],
    async handle(event) {
      if (!event.object_key) return;
      const cfg = sectionOf(ctx.config, chatopsConfigSection);
      const claimed = await db
        .updateTable('sources_chatops')
        .set({ state: 'running' })
        .where('id', '=', event.object_key)
        .where('state', '=', 'received')
        .returningAll()
        .executeTakeFirst();
      if (!claimed) return;
      const finish = (state: string, note: string | null, reply: string | null = null, reply_url: string | null = null) =>
        db.updateTable('sources_chatops').set({ state, note, reply, reply_url, finished_at: ctx.now() }).where('id', '=', claimed.id).execute();
      if (!cfg.enabled) return void (await finish('failed', 'ChatOps is turned off (chatops.enabled)'));
      const host = hostFor(claimed.provider);
      if (typeof host === 'string') {
        ctx.log.warn({ repo: claimed.repo, command: claimed.line }, `ChatOps command not acted on: ${host}`);
        return void (await finish('failed', host));
      }
      const t: ChatTarget = {
        repo: claimed.repo,
        target: claimed.target as ChatTarget['target'],
        number: claimed.number,
        user: claimed.user_login,
        context: JSON.parse(claimed.context) as ChatContext,
      };
      let outcome: Outcome;
      try {
        outcome = await act(ctx, db, host, t, claimed, cfg);
      } catch (e) {
        outcome = { state: 'failed', text: `\`${claimed.line}\` failed: ${(e as Error).message}` };
        ctx.log.warn({ err: e, repo: claimed.repo, command: claimed.line }, 'ChatOps command failed');
      }
      const body = `@${t.user} ${outcome.text}`;
      let url: string | null = null;
      let note = outcome.state === 'done' ? null : outcome.text;
      try {
        url = await host.reply(t, body);
      } catch (e) {
        note = `${note ? `${note}; ` : ''}the reply could not be posted: ${(e as Error).message}`;
        ctx.log.warn({ err: e, repo: claimed.repo }, 'ChatOps reply could not be posted');
      }
      await finish(outcome.state, note, body, url);
    },
  };
}

async function act(
  ctx: HubContext,
  db: Db,
  host: CodeHost,
  t: ChatTarget,
  row: { command: string | null; arg: string | null; line: string; note: string | null },
  cfg: ChatopsConfig,
): Promise<Outcome> {
  if (!row.command) return { state: 'invalid', text: `${row.note ?? 'not a command'}. The commands are:\n\n${USAGE}` };
  if (row.command === 'help') return { state: 'done', text: `the commands are:\n\n${USAGE}` };
  const p = await host.permission(t);
  if (!p.write) {
    return {
      state: 'refused',
      text: `\`/ci-intel ${row.command}\` needs write access to ${t.repo}, and you have ${p.level}. Ask a maintainer to run it.`,
    };
  }
  switch (row.command) {
    case 'rerun':
      return { state: 'done', text: await host.rerun(t) };
    case 'promote':
    case 'rollback': {
      const env = row.arg!;
      if (cfg.environments.length && !cfg.environments.includes(env)) {
        return { state: 'invalid', text: `${env} is not an environment of this hub; the environments are ${cfg.environments.join(', ')}.` };
      }
      return { state: 'done', text: await host.deploy(t, row.command, env, cfg.deployRef ?? null) };
    }
    case 'chaos': {
      await db
        .insertInto('sources_switches')
        .values({ repo: t.repo, name: 'chaos', value: row.arg!, set_by: t.user, set_at: ctx.now() })
        .onConflict((oc) => oc.columns(['repo', 'name']).doUpdateSet({ value: row.arg!, set_by: t.user, set_at: ctx.now() }))
        .execute();
      return {
        state: 'done',
        text: `chaos is now **${row.arg}** for ${t.repo} (switch \`chaos\`, read by pipelines from \`GET /api/v1/repos/${t.repo}/switches\`).`,
      };
    }
    case 'quarantine': {
      await enqueue(db as unknown as Kysely<CoreTables>, [{ type: QUARANTINE_REQUESTED, repo: t.repo, kind: t.user, object_key: row.arg! }]);
      ctx.bus.notify();
      return {
        state: 'done',
        text: `quarantine of \`${row.arg}\` in ${t.repo} is requested: once applied, its failures no longer fail the tests gate (\`ci-intel tests quarantine\` lists it).`,
      };
    }
    case 'override-budget': {
      // The override is the delivery pillar's (its audit table); it reaches it as a bus event, as
      // quarantine reaches the tests pillar (pillars never import each other).
      if (t.target !== 'pull') return { state: 'invalid', text: '`/ci-intel override-budget` works in pull requests and merge requests only.' };
      const o = overrideArg(row.arg!);
      if (typeof o === 'string') return { state: 'invalid', text: o };
      const now = ctx.now();
      const req: BudgetOverrideRequest = {
        pr: t.number,
        reason: o.reason,
        requested_at: now.toISOString(),
        expires_at: new Date(now.getTime() + o.ms).toISOString(),
      };
      await enqueue(db as unknown as Kysely<CoreTables>, [{ type: BUDGET_OVERRIDE_REQUESTED, repo: t.repo, kind: t.user, object_key: JSON.stringify(req) }]);
      ctx.bus.notify();
      const until = `${req.expires_at.slice(0, 16).replace('T', ' ')} UTC`;
      return {
        state: 'done',
        text: `budget override for #${t.number} recorded until ${until} (${o.reason}): the budget gate lets this pull request through while it is over its cost or carbon budget (\`ci-intel budget overrides\` lists who allowed what).`,
      };
    }
  }
  return { state: 'invalid', text: `\`${row.command}\` is not a command. The commands are:\n\n${USAGE}` };
}
