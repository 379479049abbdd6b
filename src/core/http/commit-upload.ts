// An agent upload of one commit's results for a repository (`<command> --record --hub`, sent by
// core/record.ts): POST /api/v1/repos/:owner/:repo/<tail>?commit=, ingest scope, the repository
// checked against the token, the body read raw (agent uploads may be gzip-encoded; bodyStream
// decodes them and caps the size). The pillar parses the body and stores it. A run's upload
// (POST /api/v1/runs/:id/<tail>) has the same shape, with the run resolved as every run upload is.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { assertRepo, bodyStream, rawBodyScope, repoFromPath, resolveUploadRun } from './index.js';
import type { HubApp } from './types.js';

export interface CommitUpload {
  repo: string;
  commit: string;
  body: Buffer;
}

interface UploadRoute {
  tail: string;
  summary: string;
  tag: string;
  maxBytes: number;
}

async function readBody(req: FastifyRequest, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of bodyStream(req, maxBytes)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function commitUploadRoute(app: HubApp, o: UploadRoute, handle: (u: CommitUpload) => Promise<object>): void {
  rawBodyScope(app, (scoped) => {
    scoped.post(
      `/api/v1/repos/:owner/:repo/${o.tail}`,
      {
        config: { scope: 'ingest' },
        schema: {
          summary: o.summary,
          tags: [o.tag],
          params: Type.Object({ owner: Type.String(), repo: Type.String() }),
          querystring: Type.Object({ commit: Type.String({ minLength: 4, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' }) }),
        },
      },
      async (req) => {
        const repo = repoFromPath(req.params);
        assertRepo(req, repo);
        return handle({ repo, commit: req.query.commit, body: await readBody(req, o.maxBytes) });
      },
    );
  });
}

export interface RunUpload {
  run_id: string;
  repo: string;
  /** The upload created the run (a stub the record or webhook fills later). */
  created: boolean;
  body: Buffer;
}

/** POST /api/v1/runs/:id/<tail>: the run resolved (stub on first upload, visibility checked) before the body is read. */
export function runUploadRoute(app: HubApp, ctx: Parameters<typeof resolveUploadRun>[0], o: UploadRoute, handle: (u: RunUpload) => Promise<object>): void {
  rawBodyScope(app, (scoped) => {
    scoped.post(
      `/api/v1/runs/:id/${o.tail}`,
      { config: { scope: 'ingest' }, schema: { summary: o.summary, tags: [o.tag], params: Type.Object({ id: Type.String() }) } },
      async (req) => {
        const run = await resolveUploadRun(ctx, req, req.params.id);
        return handle({ ...run, body: await readBody(req, o.maxBytes) });
      },
    );
  });
}
