// The sources pillar (issue 3 "Sources and scale"): GitHub and GitLab webhooks, backfill from the
// REST APIs, the commit graph (API + `ci-intel commits upload`), the pipeline series of /metrics
// and its share of retention (webhook deliveries, pull requests). See README.md.
import { payloadSchemas } from '../../core/contract/payload.js';
import { definePillar } from '../../core/registry.js';
import { chatopsConfigSection } from './config.js';
import { chatopsSubscription } from './chatops/act.js';
import { switchesRoute } from './chatops/route.js';
import { backfillCommand } from './backfill/command.js';
import { commitsCommand } from './commits/command.js';
import { commitLineContract } from './commits/parse.js';
import { commitsRoute } from './commits/route.js';
import { DeliveryWriter } from './deliveries.js';
import { deliverySubscription, unmappedSweep } from './subscriptions.js';
import { registerPipelineMetrics } from './prometheus.js';
import { migrations } from './tables.js';
import { pruneSources } from './retention.js';
import { githubWebhookRoute } from './webhooks/github/route.js';
import { gitlabWebhookRoute } from './webhooks/gitlab/route.js';

export const sourcesPillar = definePillar({
  id: 'sources',
  config: chatopsConfigSection,
  migrations,
  routes(app, ctx) {
    const writer = new DeliveryWriter(ctx);
    githubWebhookRoute(app, ctx, writer);
    gitlabWebhookRoute(app, ctx, writer);
    commitsRoute(app, ctx);
    switchesRoute(app, ctx);
  },
  commands(program, ctx) {
    backfillCommand(program, ctx);
    commitsCommand(program, ctx);
  },
  subscriptions: (ctx) => [deliverySubscription(ctx), chatopsSubscription(ctx)],
  metrics: registerPipelineMetrics,
  retention: pruneSources,
  background: unmappedSweep,
  schemas: payloadSchemas('sources pillar (src/pillars/sources)', [
    { ...commitLineContract, note: 'one NDJSON line of the commit graph as commits upload sends it (POST /api/v1/repos/:owner/:repo/commits)' },
  ]),
});
