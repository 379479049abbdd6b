// An agent upload of one commit's results for a repository (`<command> --record --hub`, sent by
// core/record.ts): POST /api/v1/repos/:owner/:repo/<tail>?commit=, ingest scope, the repository
// checked against the token, the body read raw (agent uploads may be gzip-encoded; bodyStream
// decodes them and caps the size). The pillar parses the body and stores it.
import { Type } from 'typebox';
import { assertRepo, bodyStream, rawBodyScope, repoFromPath } from './index.js';
import type { HubApp } from './types.js';

export interface CommitUpload {
  repo: string;
  commit: string;
  body: Buffer;
}

export function commitUploadRoute(
  app: HubApp,
  o: { tail: string; summary: string; tag: string; maxBytes: number },
  handle: (u: CommitUpload) => Promise<object>,
): void {
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
        const chunks: Buffer[] = [];
        for await (const c of bodyStream(req, o.maxBytes)) chunks.push(c as Buffer);
        return handle({ repo, commit: req.query.commit, body: Buffer.concat(chunks) });
      },
    );
  });
}
