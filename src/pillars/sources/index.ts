// The sources pillar (issue 3 "Sources and scale"): GitHub and GitLab webhooks, backfill from the
// REST APIs, the commit graph (API + `ci-intel commits upload`), the pipeline series of /metrics
// and retention (`ci-intel prune` + a daily job). See README.md.
import { definePillar } from '../../core/registry.js';
import { DeliveryWriter } from './deliveries.js';
import { deliverySubscription } from './mapper.js';
import { migrations } from './migrations.js';
import { githubWebhookRoute } from './webhooks/github/route.js';
import { gitlabWebhookRoute } from './webhooks/gitlab/route.js';

export const sourcesPillar = definePillar({
  id: 'sources',
  migrations,
  routes(app, ctx) {
    const writer = new DeliveryWriter(ctx);
    githubWebhookRoute(app, ctx, writer);
    gitlabWebhookRoute(app, ctx, writer);
  },
  subscriptions: (ctx) => [deliverySubscription(ctx)],
});
