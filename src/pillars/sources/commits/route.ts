// POST /api/v1/repos/:owner/:repo/commits (sources issue item 4): the commit graph as NDJSON.
// A GitLab path with subgroups is sent with its namespace URL-encoded: /repos/group%2Fsub/project/commits.
import type { HubApp } from '../../../core/http/types.js';
import { Type } from 'typebox';
import { CiError } from '../../../core/errors.js';
import { assertRepo, bodyStream, rawBodyScope } from '../../../core/http/index.js';
import { normalizeRepo } from '../../../core/identity.js';
import { splitLines } from '../../../core/lines.js';
import type { HubContext } from '../../../core/registry.js';
import { insertCommits, type CommitInput } from '../../../core/runs/commits.js';
import { parseCommitLine, type CommitLineError } from './parse.js';

const BATCH = 5000;

export function commitsRoute(app: HubApp, ctx: HubContext): void {
  rawBodyScope(app, (scoped) => {
    scoped.post(
      '/api/v1/repos/:owner/:repo/commits',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Add commits with their parents (NDJSON: sha, parents, authored_at, committed_at); idempotent',
          tags: ['commits'],
          params: Type.Object({ owner: Type.String(), repo: Type.String() }),
        },
      },
      async (req) => {
        const { owner, repo } = req.params;
        const full = normalizeRepo(`${owner}/${repo}`);
        if (full.split('/').some((s) => s === '' || s === '.' || s === '..')) {
          throw new CiError('E_USAGE', `invalid repository ${JSON.stringify(full)}`, { where: 'path :owner/:repo' });
        }
        assertRepo(req, full);
        const rejected: CommitLineError[] = [];
        let batch: CommitInput[] = [];
        let accepted = 0;
        for await (const l of splitLines(bodyStream(req, ctx.config.ingest.maxBodyBytes), { maxLineBytes: 64 * 1024 })) {
          if (l.tooLong) {
            rejected.push({ line: l.no, pointer: '', reason: 'line over 64 KiB' });
            continue;
          }
          if (l.text!.trim() === '') continue;
          const c = parseCommitLine(l.text!, l.no, full, 'api');
          if ('reason' in c) rejected.push(c);
          else batch.push(c);
          if (batch.length >= BATCH) {
            accepted += await insertCommits(ctx.db, batch);
            batch = [];
          }
        }
        if (batch.length) accepted += await insertCommits(ctx.db, batch);
        if (accepted === 0) {
          throw new CiError(
            rejected.length ? 'E_NOTHING_ACCEPTED' : 'E_BODY_EMPTY',
            rejected.length ? `none of the ${rejected.length} lines is a valid commit` : 'the body holds no commits',
            {
              hint: 'send one JSON object per line: {"sha": ..., "parents": [...], "authored_at": ..., "committed_at": ...}',
              details: { rejected: rejected.slice(0, 100) },
            },
          );
        }
        return { repo: full, accepted, rejected: rejected.slice(0, 1000) };
      },
    );
  });
}
