// What the pillar's hub tests share: the app with this pillar on the suite's store, an
// every-repository token, and NDJSON posted through the real ingest route.
import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createToken } from '../../core/tokens.js';
import type { TestHub } from '../../../test/support/stores.js';
import { createApp } from '../../../test/support/assembled.js';
import { dataQualityPillar } from './index.js';

export interface DqTestApp {
  hub: TestHub;
  app: FastifyInstance;
  auth: () => Record<string, string>;
  /** POSTs the records as NDJSON to /api/v1/runs. */
  post: (records: unknown[]) => Promise<LightMyRequestResponse>;
}

/** Call inside a describeEachStore body; the returned object is filled in beforeAll. */
export function dqTestApp(get: () => TestHub): DqTestApp {
  const t = {} as DqTestApp;
  let token = '';
  beforeAll(async () => {
    t.hub = get();
    t.app = await createApp(t.hub, [dataQualityPillar]);
    token = (await createToken(t.hub.db, { repoPatterns: ['**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
  });
  afterAll(async () => t.app?.close());
  t.auth = () => ({ authorization: `Bearer ${token}` });
  t.post = (records) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/runs',
      payload: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
      headers: { 'content-type': 'application/x-ndjson', ...t.auth() },
    });
  return t;
}
